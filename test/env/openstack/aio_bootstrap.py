#!/usr/bin/python3
"""Idempotent creation of the OpenStack all-in-one test environment's
identity data (projects, users, roles, catalog) and resources (flavors,
image, networks). Talks plain REST through keystoneauth1.

usage: aio_bootstrap.py identity|resources|wait-compute|wait-hypervisor|wait-l2agent|wait-heat
Settings come from the environment (see start.sh / aio.env).
"""
import os
import sys
import time

from keystoneauth1 import adapter, session
from keystoneauth1.identity import v3

E = os.environ
REGION = E.get("AIO_REGION", "RegionOne")
AUTH_URL = "http://127.0.0.1:5000/v3"

ENDPOINTS = [
    # name, type, description, url
    ("nova", "compute", "OpenStack Compute", "http://127.0.0.1:8774/v2.1"),
    ("neutron", "network", "OpenStack Networking", "http://127.0.0.1:9696"),
    ("glance", "image", "OpenStack Image", "http://127.0.0.1:9292"),
    ("placement", "placement", "Placement API", "http://127.0.0.1:8778"),
    ("heat", "orchestration", "Orchestration",
     "http://127.0.0.1:8004/v1/%(tenant_id)s"),
]
SERVICE_USERS = ["nova", "neutron", "glance", "placement", "heat"]
FLAVORS = [  # id, name, vcpus, ram MiB, disk GiB
    ("1", "m1.tiny", 1, 512, 1),
    ("2", "m1.small", 1, 2048, 20),
    ("3", "m1.medium", 2, 4096, 40),
]


def log(msg):
    print("[bootstrap %s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def admin_client():
    auth = v3.Password(auth_url=AUTH_URL, username="admin",
                       password=E["AIO_ADMIN_PASSWORD"], project_name="admin",
                       user_domain_id="default", project_domain_id="default")
    return session.Session(auth=auth)


def api(sess, service_type):
    return adapter.Adapter(sess, service_type=service_type,
                           interface="public", region_name=REGION)


def one(items, **match):
    for it in items:
        if all(it.get(k) == v for k, v in match.items()):
            return it
    return None


# ------------------------------------------------------------------ identity
def ensure(ks, collection, key, body, query=None, **match):
    url = "/%s" % collection
    items = ks.get(url, params=query or {}).json()[collection]
    found = one(items, **match)
    if found:
        return found
    log("create %s %s" % (key, match))
    return ks.post(url, json={key: body}).json()[key]


def grant(ks, scope, scope_id, user_id, role_id):
    ks.put("/%s/%s/users/%s/roles/%s" % (scope, scope_id, user_id, role_id))


def identity():
    sess = admin_client()
    ks = api(sess, "identity")
    dom = "default"

    roles = {}
    for r in ["admin", "member", "reader", "heat_stack_owner",
              "heat_stack_user"]:
        roles[r] = ensure(ks, "roles", "role", {"name": r}, name=r)["id"]

    projects = {}
    for p, desc in [("admin", "Admin project"), ("service", "Service project"),
                    ("demo", "Demo project")]:
        projects[p] = ensure(ks, "projects", "project",
                             {"name": p, "domain_id": dom, "description": desc},
                             query={"domain_id": dom}, name=p)["id"]

    def user(name, password, project, domain=dom):
        u = ensure(ks, "users", "user",
                   {"name": name, "domain_id": domain, "password": password,
                    "default_project_id": project, "enabled": True},
                   query={"domain_id": domain}, name=name)
        # keep the password in step with aio.env on every start
        ks.patch("/users/%s" % u["id"], json={"user": {"password": password}})
        return u["id"]

    for name in SERVICE_USERS:
        uid = user(name, E["AIO_SERVICE_PASSWORD"], projects["service"])
        grant(ks, "projects", projects["service"], uid, roles["admin"])

    demo = user("demo", E["AIO_DEMO_PASSWORD"], projects["demo"])
    for r in ["member", "reader", "heat_stack_owner"]:
        grant(ks, "projects", projects["demo"], demo, roles[r])
    admin = one(ks.get("/users", params={"name": "admin"}).json()["users"],
                name="admin")["id"]
    grant(ks, "projects", projects["demo"], admin, roles["admin"])

    # Heat stack-user domain and its admin
    heat_dom = ensure(ks, "domains", "domain",
                      {"name": "heat", "description": "Heat stack users"},
                      name="heat")["id"]
    hda = user("heat_domain_admin", E["AIO_HEAT_DOMAIN_ADMIN_PASSWORD"], None,
               domain=heat_dom)
    grant(ks, "domains", heat_dom, hda, roles["admin"])

    # catalog
    for name, stype, desc, url in ENDPOINTS:
        svc = ensure(ks, "services", "service",
                     {"name": name, "type": stype, "description": desc,
                      "enabled": True}, type=stype)
        eps = ks.get("/endpoints", params={"service_id": svc["id"]}).json()[
            "endpoints"]
        for iface in ["public", "internal"]:
            ep = one(eps, interface=iface, region_id=REGION)
            if ep and ep["url"] == url:
                continue
            if ep:
                ks.patch("/endpoints/%s" % ep["id"],
                         json={"endpoint": {"url": url}})
            else:
                log("create endpoint %s %s %s" % (stype, iface, url))
                ks.post("/endpoints", json={"endpoint": {
                    "service_id": svc["id"], "interface": iface,
                    "url": url, "region_id": REGION, "enabled": True}})
    log("identity ready")


# ----------------------------------------------------------------- resources
def make_qcow2(path):
    """Write a small but well-formed qcow2 image (a few KB)."""
    import subprocess
    subprocess.check_call(["qemu-img", "create", "-q", "-f", "qcow2", "-o",
                           "cluster_size=512", path, "1M"])


def resources():
    sess = admin_client()
    ks = api(sess, "identity")
    nova = api(sess, "compute")
    glance = api(sess, "image")
    neutron = api(sess, "network")
    demo_project = one(ks.get("/projects", params={"name": "demo"}).json()[
        "projects"], name="demo")["id"]

    # flavors
    existing = nova.get("/flavors/detail", params={"is_public": "None"}).json()[
        "flavors"]
    for fid, name, vcpus, ram, disk in FLAVORS:
        if one(existing, name=name):
            continue
        log("create flavor %s" % name)
        nova.post("/flavors", json={"flavor": {
            "id": fid, "name": name, "vcpus": vcpus, "ram": ram, "disk": disk,
            "os-flavor-access:is_public": True}})

    # quotas: the end-to-end suite and the benchmarks run many servers and ports in the demo
    # project (the defaults of 10 instances / 50 ports are far too small); PUT is idempotent
    nova.put("/os-quota-sets/%s" % demo_project, json={"quota_set": {
        "instances": 500, "cores": 2000, "ram": 4096000, "server_groups": 100,
        "server_group_members": 500}})
    neutron.put("/v2.0/quotas/%s" % demo_project, json={"quota": {
        "port": 2000, "network": 100, "subnet": 100, "floatingip": 100,
        "security_group": 100, "security_group_rule": 1000}})

    # image
    name = E.get("AIO_IMAGE_NAME", "ubuntu-20.04-server-cloudimg-amd64")
    images = glance.get("/v2/images", params={"name": name}).json()["images"]
    active = [i for i in images if i["status"] == "active"]
    for i in images:
        if i["status"] != "active":
            glance.delete("/v2/images/%s" % i["id"])
    if not active:
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "image.qcow2")
            make_qcow2(path)
            log("upload image %s (%d bytes)" % (name, os.path.getsize(path)))
            img = glance.post("/v2/images", json={
                "name": name, "disk_format": "qcow2",
                "container_format": "bare", "visibility": "public",
                "os_distro": "ubuntu", "os_version": "20.04"}).json()
            with open(path, "rb") as f:
                glance.put("/v2/images/%s/file" % img["id"], data=f.read(),
                           headers={"Content-Type":
                                    "application/octet-stream"})

    # networks: external flat 'public', tenant 'private' owned by demo,
    # router1 joining them (API objects only: no L3/DHCP agents run)
    def net(name, body, query=None):
        nets = neutron.get("/v2.0/networks", params=dict(name=name, **(query or {}))).json()["networks"]
        if nets:
            return nets[0]
        log("create network %s" % name)
        return neutron.post("/v2.0/networks", json={"network": dict(name=name, **body)}).json()["network"]

    def subnet(name, net_id, body):
        subs = neutron.get("/v2.0/subnets", params={"name": name, "network_id": net_id}).json()["subnets"]
        if subs:
            return subs[0]
        log("create subnet %s" % name)
        return neutron.post("/v2.0/subnets", json={"subnet": dict(
            name=name, network_id=net_id, ip_version=4, **body)}).json()["subnet"]

    pub = net("public", {"router:external": True, "shared": False,
                         "provider:network_type": "flat",
                         "provider:physical_network": "public"})
    subnet("public-subnet", pub["id"], {
        "cidr": "172.24.4.0/24", "gateway_ip": "172.24.4.1",
        "enable_dhcp": False,
        "allocation_pools": [{"start": "172.24.4.10", "end": "172.24.4.250"}]})
    priv = net("private", {"tenant_id": demo_project},
               query={"tenant_id": demo_project})
    psub = subnet("private-subnet", priv["id"], {
        "cidr": "10.0.0.0/24", "gateway_ip": "10.0.0.1", "enable_dhcp": True,
        "tenant_id": demo_project})
    routers = neutron.get("/v2.0/routers", params={"name": "router1"}).json()["routers"]
    if not routers:
        log("create router router1")
        r = neutron.post("/v2.0/routers", json={"router": {
            "name": "router1", "tenant_id": demo_project,
            "external_gateway_info": {"network_id": pub["id"]}}}).json()["router"]
        neutron.put("/v2.0/routers/%s/add_router_interface" % r["id"],
                    json={"subnet_id": psub["id"]})
    log("resources ready")


# --------------------------------------------------------------------- waits
def started(svc):
    """Epoch seconds at which start.sh launched svc (0 if unknown)."""
    try:
        with open(os.path.join(E.get("AIO_RUN_DIR", "/run/openstack-aio"),
                               svc + ".started")) as f:
            return float(f.read().strip())
    except (OSError, ValueError):
        return 0.0


def fresh(ts, svc):
    """True when the API timestamp (UTC, no zone) is not older than the
    launch of svc: heartbeats of a previous run of the service don't count."""
    import calendar
    if not ts:
        return False
    ts = ts.replace(" ", "T").split(".")[0].rstrip("Z")
    epoch = calendar.timegm(time.strptime(ts, "%Y-%m-%dT%H:%M:%S"))
    return epoch >= started(svc) - 1


def wait_for(what, fn, timeout=300):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            if fn():
                log("%s: ready" % what)
                return
        except Exception as e:  # service still starting
            last = e
        time.sleep(2)
    sys.exit("timed out waiting for %s (%s)" % (what, last))


def wait_compute():
    sess = admin_client()
    nova = api(sess, "compute")
    host = E.get("AIO_HOST", "aio")

    def up():
        svcs = nova.get("/os-services", params={"binary": "nova-compute"}).json()["services"]
        return any(s["host"] == host and s["state"] == "up" and
                   fresh(s["updated_at"], "nova-compute") for s in svcs)
    wait_for("nova-compute service", up)


def wait_hypervisor():
    sess = admin_client()
    nova = api(sess, "compute")
    placement = adapter.Adapter(sess, service_type="placement",
                                interface="public", region_name=REGION)

    def hyp():
        h = nova.get("/os-hypervisors").json()["hypervisors"]
        rps = placement.get("/resource_providers").json()["resource_providers"]
        return bool(h) and bool(rps)
    wait_for("hypervisor + resource provider", hyp)


def wait_agent():
    sess = admin_client()
    neutron = api(sess, "network")
    host = E.get("AIO_HOST", "aio")

    def alive():
        agents = neutron.get("/v2.0/agents").json()["agents"]
        return any(a["host"] == host and a["alive"] and
                   a["agent_type"] == "Linux bridge agent" and
                   fresh(a["heartbeat_timestamp"],
                         "neutron-linuxbridge-agent") for a in agents)
    wait_for("neutron linuxbridge agent", alive)


def wait_heat():
    sess = admin_client()
    heat = adapter.Adapter(sess, service_type="orchestration",
                           interface="public", region_name=REGION)

    def up():
        svcs = heat.get("/services").json()["services"]
        return any(s["status"] == "up" and
                   fresh(s.get("updated_at") or s.get("created_at"), "heat-engine")
                   for s in svcs)
    wait_for("heat-engine", up)


if __name__ == "__main__":
    {"identity": identity, "resources": resources,
     "wait-compute": wait_compute, "wait-hypervisor": wait_hypervisor,
     "wait-l2agent": wait_agent, "wait-heat": wait_heat}[sys.argv[1]]()
