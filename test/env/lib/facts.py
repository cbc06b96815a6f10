#!/usr/bin/python3
"""Facts of the test environment for env.sh: `write` (env.json, for env.sh up), `check-network`
and `check-images` (for env.sh status), and `ensure-images` (for env.sh up: one Glance image per
Ubuntu release the Nova stand-ins can be).

Inputs come from the environment (ENV_*), never from the command line: ENV_FACTS_OUT (path),
ENV_OS_OUT (start.sh OUTDIR with clouds.yaml, openrc, openrc.demo), ENV_CLOUD_ADMIN,
ENV_CLOUD_DEMO, ENV_NETWORK_ID, ENV_NET_NAME, ENV_IMAGE_NAME, ENV_UP_SECONDS, ENV_SH,
ENV_REGISTRIES ("key=NAME ..."), ENV_UBUNTU_IMAGES ("RELEASE=IMAGE-NAME ..."), TESTBED_STATE. The facts that OpenStack owns (network, subnet,
image, flavors) are read back from its APIs as admin, so env.json says what is really there.
Standard library + python3-yaml (a dependency of python3-openstackclient).
"""
import json
import os
import sys
import time
import urllib.parse
import urllib.request

import yaml

E = os.environ


def fail(msg):
    print('facts.py: %s' % msg, file=sys.stderr)
    sys.exit(1)


def read_info(path):
    """registry.sh's info file: key=value lines."""
    out = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.rstrip('\n').partition('=')
            out[k] = v
    return out


class Cloud:
    """Password auth against Keystone v3 and GETs on catalog endpoints (public interface)."""

    def __init__(self, cfg):
        a = cfg['auth']
        body = {'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'name': a['username'], 'password': a['password'],
                'domain': {'name': a.get('user_domain_name', 'Default')}}}},
            'scope': {'project': {'name': a['project_name'],
                                  'domain': {'name': a.get('project_domain_name', 'Default')}}}}}
        self.auth_url = a['auth_url'].rstrip('/')
        req = urllib.request.Request(self.auth_url + '/auth/tokens', json.dumps(body).encode(),
                                     {'Content-Type': 'application/json'})
        with urllib.request.urlopen(req, timeout=15) as r:
            self.token = r.headers['X-Subject-Token']
            tok = json.load(r)['token']
        self.project_id = tok['project']['id']
        self.endpoints = {}
        for svc in tok.get('catalog', []):
            for ep in svc['endpoints']:
                if ep['interface'] == cfg.get('interface', 'public'):
                    self.endpoints[svc['type']] = ep['url'].rstrip('/')

    def get(self, service, path):
        return self.request('GET', service, path)

    def request(self, method, service, path, body=None, data=None, ctype='application/json'):
        headers = {'X-Auth-Token': self.token, 'Accept': 'application/json'}
        if body is not None:
            data = json.dumps(body).encode()
        if data is not None:
            headers['Content-Type'] = ctype
        req = urllib.request.Request(self.endpoints[service] + path, data, headers, method=method)
        with urllib.request.urlopen(req, timeout=60) as r:
            raw = r.read()
        return json.loads(raw) if raw else {}


def load_clouds():
    clouds_yaml = os.path.join(E['ENV_OS_OUT'], 'clouds.yaml')
    with open(clouds_yaml) as f:
        return clouds_yaml, yaml.safe_load(f)['clouds']


def check_network():
    """env.sh status: the network ENV_NET_NAME exists for the demo cloud's project; prints its id.
    (Plain urllib: network.sh's openstacksdk import costs about a second of CPU, more under load.)"""
    try:
        _, clouds = load_clouds()
        demo = Cloud(clouds[E['ENV_CLOUD_DEMO']])
        nets = demo.get('network', '/v2.0/networks?' + urllib.parse.urlencode({'name': E['ENV_NET_NAME']}))['networks']
    except Exception as e:                        # noqa: BLE001 - any failure means "not up"
        fail('network check: %s' % e)
    mine = [n for n in nets if n['project_id'] == demo.project_id]
    if len(mine) != 1:
        fail('%d networks named %s in the demo project' % (len(mine), E['ENV_NET_NAME']))
    print(mine[0]['id'])


def ubuntu_images():
    """[(release, image name)] from ENV_UBUNTU_IMAGES."""
    return [tuple(item.split('=', 1)) for item in E['ENV_UBUNTU_IMAGES'].split()]


def find_images(cloud, name):
    return cloud.get('image', '/v2/images?' + urllib.parse.urlencode({'name': name}))['images']


def ensure_images():
    """One public image per release, named as Ubuntu's cloud images and carrying the release in
    os_distro/os_version (what nova-sync gives a server's stand-in). The content is a tiny empty
    qcow2: Nova's fake driver never reads it. Existing active images are kept."""
    import subprocess
    import tempfile
    _, clouds = load_clouds()
    admin = Cloud(clouds[E['ENV_CLOUD_ADMIN']])
    for release, name in ubuntu_images():
        images = find_images(admin, name)
        if any(i['status'] == 'active' for i in images):
            continue
        for i in images:                          # a half-made one from an interrupted upload
            admin.request('DELETE', 'image', '/v2/images/%s' % i['id'])
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'image.qcow2')
            subprocess.check_call(['qemu-img', 'create', '-q', '-f', 'qcow2', '-o', 'cluster_size=512', path, '1M'])
            img = admin.request('POST', 'image', '/v2/images', body={
                'name': name, 'disk_format': 'qcow2', 'container_format': 'bare', 'visibility': 'public',
                'os_distro': 'ubuntu', 'os_version': release})
            with open(path, 'rb') as f:
                admin.request('PUT', 'image', '/v2/images/%s/file' % img['id'], data=f.read(),
                              ctype='application/octet-stream')
        print('uploaded %s (Ubuntu %s)' % (name, release))


def image_facts(cloud):
    out = []
    for release, name in ubuntu_images():
        active = [i for i in find_images(cloud, name) if i['status'] == 'active']
        if not active:
            fail('no active Glance image %s (Ubuntu %s)' % (name, release))
        out.append({'release': release, 'name': name, 'id': active[0]['id']})
    return out


def check_images():
    """env.sh status: every release's image is there and active; prints their names."""
    try:
        _, clouds = load_clouds()
        facts = image_facts(Cloud(clouds[E['ENV_CLOUD_ADMIN']]))
    except Exception as e:                        # noqa: BLE001 - any failure means "not up"
        fail('image check: %s' % e)
    print(' '.join(i['release'] for i in facts))


def write_facts():
    out = E['ENV_FACTS_OUT']
    os_out = E['ENV_OS_OUT']
    clouds_yaml, clouds = load_clouds()
    admin = Cloud(clouds[E['ENV_CLOUD_ADMIN']])

    net_id = E['ENV_NETWORK_ID']
    net = admin.get('network', '/v2.0/networks/' + net_id)['network']
    subs = admin.get('network', '/v2.0/subnets?' + urllib.parse.urlencode({'network_id': net_id}))['subnets']
    if len(subs) != 1:
        fail('network %s has %d subnets, expected 1' % (net_id, len(subs)))
    sub = subs[0]
    images = admin.get('image', '/v2/images?' + urllib.parse.urlencode({'name': E['ENV_IMAGE_NAME']}))['images']
    if not images:
        fail('no Glance image %s' % E['ENV_IMAGE_NAME'])
    flavors = admin.get('compute', '/flavors/detail')['flavors']

    registries = {}
    for item in E['ENV_REGISTRIES'].split():
        key, _, name = item.partition('=')
        info = read_info(os.path.join(E['TESTBED_STATE'], 'registries', name, 'info'))
        tls = info['tls'] == '1'
        # HTTP: addressed by IP (as in "server": "192.168.0.10:5000" of the user guide, which
        # needs insecure-registries); HTTPS: by FQDN, which needs hosts_line and the CA.
        server = info['server'] if tls else info['ip_server']
        registries[key] = {
            'name': name,
            'scheme': 'https' if tls else 'http',
            'connection_type': '1' if tls else '0',
            'server': server,
            'ip': info['ip'],
            'port': int(info['port']),
            'fqdn': info['fqdn'],
            'ca_file': info['ca'] or None,
            'username': info['user'] or None,
            'password': info['password'] or None,
            'hosts_line': info['hosts_line'],
            'image': info['image'],
            'image_ref': '%s/%s' % (server, info['image']),
            'digest': info['digest'],
        }

    pool = sub['allocation_pools'][0]
    facts = {
        'clouds_yaml': clouds_yaml,
        'cloud_admin': E['ENV_CLOUD_ADMIN'],
        'cloud_demo': E['ENV_CLOUD_DEMO'],
        'openrc_admin': os.path.join(os_out, 'openrc'),
        'openrc_demo': os.path.join(os_out, 'openrc.demo'),
        'auth_url': admin.auth_url,
        'network_id': net['id'],
        'network_name': net['name'],
        'network_project_id': net['project_id'],
        'subnet_id': sub['id'],
        'subnet_cidr': sub['cidr'],
        'gateway_ip': sub['gateway_ip'],
        'allocation_pool': '%s-%s' % (pool['start'], pool['end']),
        'fixture_range': '10.250.0.2-10.250.0.99',
        'image_name': images[0]['name'],
        'image_id': images[0]['id'],
        'images': image_facts(admin),
        'flavors': sorted(({'name': f['name'], 'id': f['id'], 'vcpus': f['vcpus'], 'ram_mb': f['ram'],
                            'disk_gb': f['disk']} for f in flavors), key=lambda f: f['ram_mb']),
        'registries': registries,
        'vm_user': 'ubuntu',
        'vm_password': E.get('TESTBED_PASSWORD', 'ubuntu'),
        'testbed_state': E['TESTBED_STATE'],
        'env_sh': E['ENV_SH'],
        'up_seconds': float(E['ENV_UP_SECONDS']),
        'written_at': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
    }
    tmp = out + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(facts, f, indent=2)
        f.write('\n')
    os.chmod(tmp, 0o600)          # holds the throwaway test passwords, like clouds.yaml
    os.replace(tmp, out)


if __name__ == '__main__':
    if sys.argv[1:] == ['write']:
        write_facts()
    elif sys.argv[1:] == ['check-network']:
        check_network()
    elif sys.argv[1:] == ['check-images']:
        check_images()
    elif sys.argv[1:] == ['ensure-images']:
        ensure_images()
    else:
        fail('usage: facts.py write|check-network|check-images|ensure-images')
