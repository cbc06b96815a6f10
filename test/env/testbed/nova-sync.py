#!/usr/bin/python3
# nova-sync.py - Nova servers of the OpenStack test environment "boot" as test-bed VMs.
#
#   nova-sync.py run [OPTIONS]       poll Nova about once per second; every ACTIVE server with
#                                     fixed IPv4 addresses inside --range gets one VM stand-in
#                                     (vm.sh up) at those addresses after --boot-delay, of the
#                                     Ubuntu release of the Glance image it booted from; a server
#                                     that goes away, is rebuilt, or loses its IP to a newer
#                                     server (Heat replacement) loses its stand-in
#   nova-sync.py status [--state-dir DIR]
#                                     the daemon and the stand-ins it manages (from its state file)
#   nova-sync.py network [create|show|delete] [NETWORK OPTIONS]
#                                     Neutron network + subnet matching a test-bed subnet; prints
#                                     the network id (network.sh calls this)
#
# Credentials: --os-cloud NAME (clouds.yaml, OS_CLIENT_CONFIG_FILE) or OS_CLOUD, else the OS_*
# variables of an openrc file. Normally run through nova-sync.sh start|stop|status|log.
# run: SIGTERM/SIGINT stop and tear the stand-ins down; SIGUSR1 stops and keeps them (state
# file; the next run adopts them). Only stand-ins recorded in the state file are ever torn down.
import argparse
import fcntl
import ipaddress
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.realpath(__file__))
VM_SH = os.path.join(HERE, 'vm.sh')
TB_STATE = os.environ.get('TESTBED_STATE') or os.path.join(   # lib/common.sh: same default
    os.environ.get('VNFLCM_TESTENV_STATE') or '/srv/vnflcm-testenv', 'testbed')
TB_RANGE = '10.250.0.0/16'                     # lib/common.sh: every test-bed address
TB_SUBNET = os.environ.get('TESTBED_SUBNET', '10.250.0.0/24')   # vm.sh's default subnet
NETNS_PREFIX = 'tb-'
NOVA_MICROVERSION = '2.69'    # >= 2.69: servers in a down cell are listed as UNKNOWN, not skipped
GONE_STATUSES = {'ERROR', 'DELETED', 'SOFT_DELETED', 'SHELVED_OFFLOADED', 'REBUILD'}
GONE_TASKS = {'deleting', 'soft-deleting', 'rebuilding', 'rebuild_spawning',
              'rebuild_block_device_mapping'}
RELEASES = ('20.04', '22.04', '24.04')         # vm.sh --release
DEFAULT_RELEASE = '20.04'                      # vm.sh's default: images that name no release


def log(msg):
    print('%s nova-sync: %s' % (time.strftime('%Y-%m-%d %H:%M:%S'), msg), flush=True)


def die(msg):
    print('nova-sync: %s' % msg, file=sys.stderr)
    sys.exit(1)


# --------------------------------------------------------------------------- OpenStack access
class ApiError(Exception):
    def __init__(self, msg, status=None):
        super().__init__(msg)
        self.status = status                      # HTTP status, 401 also for failed (re)auth


class Cloud:
    """keystoneauth session for one cloud; plain REST calls to Nova, Neutron, Keystone."""

    def __init__(self, cloud_name, timeout=15.0):
        import openstack.config                   # python3-openstacksdk (clouds.yaml + OS_*)
        from keystoneauth1 import adapter, exceptions
        self.ks_exc = exceptions
        try:
            region = openstack.config.OpenStackConfig().get_one(cloud=cloud_name or None)
            self.session = region.get_session()
        except Exception as e:                    # unknown cloud, no credentials at all
            raise ApiError('cloud config: %s' % e)
        self.label = cloud_name or os.environ.get('OS_CLOUD') or 'OS_* environment'
        self.timeout = timeout
        def api(service_type, **kw):              # honours <service>_endpoint_override
            return adapter.Adapter(session=self.session, service_type=service_type,
                                   interface=region.get_interface(),
                                   region_name=region.get_region_name(service_type),
                                   endpoint_override=region.get_endpoint(service_type), **kw)
        self.compute, self.network, self.image = api('compute'), api('network'), api('image')
        self.identity = api('identity', version=(3, 0))

    def call(self, api, method, path, body=None, ok=(200,), microversion=None):
        headers = {'Accept': 'application/json'}
        if microversion:
            headers['OpenStack-API-Version'] = 'compute ' + microversion
        try:
            r = api.request(path, method, json=body, headers=headers, raise_exc=False,
                            timeout=self.timeout)
        except self.ks_exc.ClientException as e:  # connection refused/reset, timeout, auth
            raise ApiError('%s %s: %s' % (method, path.split('?')[0], short_error(e)),
                           getattr(e, 'http_status', None))
        if r.status_code not in ok:
            text = re.sub(r'\s+', ' ', r.text or '')[:300]
            raise ApiError('%s %s: HTTP %d %s' % (method, path.split('?')[0], r.status_code, text),
                           r.status_code)
        return r.json() if r.content else {}

    def project_id(self):
        try:
            return self.session.get_project_id()
        except self.ks_exc.ClientException as e:
            raise ApiError('keystone: %s' % short_error(e))

    def servers(self, all_projects):
        out, marker = [], None
        while True:
            q = {'limit': 1000}
            if all_projects:
                q['all_tenants'] = 1
            if marker:
                q['marker'] = marker
            body = self.call(self.compute, 'GET', '/servers/detail?' + urllib.parse.urlencode(q),
                             microversion=NOVA_MICROVERSION)
            page = body.get('servers') or []
            out += page
            if not page or not any(l.get('rel') == 'next' for l in body.get('servers_links') or []):
                return out
            marker = page[-1]['id']


# --------------------------------------------------------------------------- helpers
def short_error(e):
    """keystoneauth/urllib3 messages carry URLs and object addresses; keep the gist."""
    text = str(e)
    m = re.search(r'\[Errno -?\d+\] [^\x27\x22()]+', text) or \
        re.search(r'(Read|Connect)?[Tt]imed? ?out[^\x27\x22()]*', text)
    return '%s: %s' % (type(e).__name__, m.group(0).strip() if m else text[:200])


def image_release(image):
    """The Ubuntu release a stand-in of a server booted from this Glance image reports: the image's
    os_distro/os_version properties, else a release in its name (ubuntu-22.04-...), else the
    default. `image` is the Glance v2 image record (None: boot from volume, image gone)."""
    if not image:
        return DEFAULT_RELEASE
    if str(image.get('os_distro') or '').lower() == 'ubuntu' and str(image.get('os_version') or '') in RELEASES:
        return str(image['os_version'])
    m = re.search(r'(?<![0-9.])(\d\d\.\d\d)(?![0-9])', image.get('name') or '')
    if m and m.group(1) in RELEASES and 'ubuntu' in (image.get('name') or '').lower():
        return m.group(1)
    return DEFAULT_RELEASE


def in_net(ip, net):
    try:
        return ipaddress.ip_address(ip) in net
    except ValueError:
        return False


def parse_ts(s):
    """Nova timestamps (UTC, with or without zone / fraction) -> epoch seconds, or None."""
    if not s:
        return None
    s = s.replace('Z', '+00:00')
    for fmt in ('%Y-%m-%dT%H:%M:%S.%f%z', '%Y-%m-%dT%H:%M:%S%z', '%Y-%m-%dT%H:%M:%S.%f',
                '%Y-%m-%dT%H:%M:%S'):
        try:
            t = datetime.strptime(s, fmt)
        except ValueError:
            continue
        if t.tzinfo is None:
            t = t.replace(tzinfo=timezone.utc)
        return t.timestamp()
    return None


def sanitize_hostname(name):
    """What Nova (and cloud-init) make of a display name when no hostname is given."""
    h = name.lower().replace(' ', '-').replace('_', '-')
    h = re.sub(r'[^a-z0-9.-]', '', h)[:63].strip('.-')
    return h


def vmdir(name):
    return os.path.join(TB_STATE, 'vms', name)


def vm_env(name):
    env = {}
    try:
        with open(os.path.join(vmdir(name), 'vm.env')) as f:
            for line in f:
                k, _, v = line.rstrip('\n').partition('=')
                env[k] = v
    except OSError:
        return None
    return env


def vm_running(name):
    """Same test as lib/common.sh tb_vm_pid: the VM's init still lives in the VM's netns."""
    try:
        with open(os.path.join(vmdir(name), 'init.pid')) as f:
            pid = int(f.read().strip())
        return os.stat('/run/netns/' + NETNS_PREFIX + name).st_ino == \
            os.stat('/proc/%d/ns/net' % pid).st_ino
    except (OSError, ValueError):
        return False


def write_json(path, data):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write('\n')
    os.replace(tmp, path)


def pid_alive_as(pid, marker):
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            return marker in f.read().replace(b'\0', b' ').decode(errors='replace')
    except (OSError, ValueError):
        return False


# --------------------------------------------------------------------------- the sync daemon
class Sync:
    def __init__(self, args):
        self.a = args
        self.range = ipaddress.ip_network(args.range, strict=False)
        self.fallback_subnet = ipaddress.ip_network(args.subnet, strict=False)
        self.dir = args.state_dir
        self.state_file = os.path.join(self.dir, 'state.json')
        self.ready_file = os.path.join(self.dir, 'ready')
        self.cloud = None
        self.standins = {}      # name -> record (persisted); phase starting|up|stopping
        self.procs = {}         # name -> (Popen, action, output file, started)
        self.plans = {}         # server id -> plan (in memory): due, ips, ...
        self.fail = {}          # server id -> (count, next try, last message)
        self.subnets = {}       # neutron subnet id -> cidr
        self.port_cidrs = {}    # server id -> {ip: cidr}
        self.image_releases = {}  # glance image id -> release of its stand-ins
        self.stop_mode = None   # 'teardown' | 'keep'
        self.last_ok = None
        self.last_err = None
        self.err_since = None
        self.err_logged = 0.0
        self.polls = 0
        self.failures = 0
        self.noted = set()      # one-time log messages
        self.neutron_err = None
        self.announced = {}     # server id -> IPs last logged as "ACTIVE with"
        self.dirty = True
        self.last_save = 0.0
        self.last_health = 0.0

    # ----- state
    def save(self, force=False):
        now = time.time()
        if not (self.dirty or force or now - self.last_save > 5):
            return
        write_json(self.state_file, {
            'pid': os.getpid(), 'cloud': self.cloud.label if self.cloud else self.a.os_cloud,
            'all_projects': self.a.all_projects, 'range': str(self.range),
            'boot_delay': self.a.boot_delay, 'interval': self.a.interval,
            'updated': now, 'last_ok_poll': self.last_ok, 'last_error': self.last_err,
            'polls': self.polls, 'standins': self.standins,
            'pending': {sid: {'ips': p['ips'], 'due': p['due'], 'server_name': p['server_name']}
                        for sid, p in self.plans.items()}})
        self.dirty = False
        self.last_save = now

    def adopt(self):
        try:
            with open(self.state_file) as f:
                old = json.load(f).get('standins') or {}
        except (OSError, ValueError):
            return
        for name, rec in old.items():
            env = vm_env(name)
            if env is None:
                log('state: stand-in %s (%s) no longer exists, forgetting it' % (name, rec['ips'][0]))
                continue
            if env.get('ip') != rec['ips'][0]:
                log('state: VM %s now has IP %s, not %s: not ours, forgetting it'
                    % (name, env.get('ip'), rec['ips'][0]))
                continue
            self.standins[name] = rec
            if rec.get('phase') in ('up', 'starting') and vm_running(name):
                rec['phase'] = 'up'
                log('adopted stand-in %s %s (server %s)' % (name, ','.join(rec['ips']), rec['server_id']))
            else:
                log('stand-in %s was %s and is not running: tearing it down' % (name, rec.get('phase')))
                rec['phase'] = 'up'
                self.teardown(name, 'left over from the previous run')
        self.dirty = True

    # ----- processes (vm.sh up/down run in the background; the loop never blocks on them)
    def spawn(self, name, action, argv):
        out = tempfile.TemporaryFile(mode='w+')
        p = subprocess.Popen([VM_SH] + argv, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=subprocess.STDOUT, cwd='/')
        self.procs[name] = (p, action, out, time.time())

    def reap(self):
        for name, (p, action, out, started) in list(self.procs.items()):
            rc = p.poll()
            if rc is None:
                continue
            del self.procs[name]
            out.seek(0)
            text = ' | '.join(l.strip() for l in out.read().splitlines()
                              if l.strip() and not l.startswith('testbed: VM '))[-600:]
            out.close()
            rec = self.standins.get(name)
            took = time.time() - started
            self.dirty = True
            if rec is None:
                continue
            if action == 'up':
                sid = rec['server_id']
                if rc == 0:
                    rec['phase'] = 'up'
                    rec['up_at'] = time.time()
                    self.fail.pop(sid, None)
                    la = rec.get('launched_at')
                    extra = (', ACTIVE+%.1fs' % (rec['up_at'] - la)) if la else ''
                    log('up %s %s hostname %s Ubuntu %s (server %s %s; vm.sh up %.1fs%s)'
                        % (name, ','.join(rec['ips']), rec['hostname'], rec.get('release', DEFAULT_RELEASE),
                           rec['server_name'], sid, took, extra))
                    if rec.get('doomed'):
                        self.teardown(name, rec['doomed'])
                else:
                    # vm.sh tears a half-built VM down itself; a VM dir that is still there
                    # belongs to someone else (name or IP clash): leave it alone.
                    del self.standins[name]
                    n = self.fail.get(sid, (0, 0, ''))[0] + 1
                    wait = min(30.0, 2.0 ** n)
                    self.fail[sid] = (n, time.time() + wait, text)
                    log('vm.sh up %s %s failed (rc %d, try %d, next in %.0fs): %s'
                        % (name, rec['ips'][0], rc, n, wait, text or '-'))
            else:
                if rc == 0 or vm_env(name) is None:
                    log('down %s %s (server %s; %s; vm.sh down %.1fs)'
                        % (name, ','.join(rec['ips']), rec['server_id'], rec.get('why', '-'), took))
                    del self.standins[name]
                else:
                    log('vm.sh down %s failed (rc %d): %s; will retry' % (name, rc, text or '-'))
                    rec['phase'] = 'up'
                    rec['retry_down'] = time.time() + 2

    def teardown(self, name, why):
        rec = self.standins[name]
        if name in self.procs:                     # up still running: finish, then tear down
            rec['doomed'] = why
            return
        if rec['phase'] == 'stopping':
            return
        env = vm_env(name)
        if env is None:
            log('stand-in %s %s is already gone (%s)' % (name, rec['ips'][0], why))
            del self.standins[name]
            self.dirty = True
            return
        if env.get('ip') != rec['ips'][0]:         # someone else's VM by now: never touch it
            log('VM %s has IP %s, not %s: not ours, forgetting it' % (name, env.get('ip'), rec['ips'][0]))
            del self.standins[name]
            self.dirty = True
            return
        rec['phase'] = 'stopping'
        rec['why'] = why
        self.dirty = True
        self.spawn(name, 'down', ['down', name])

    # ----- Nova -> desired stand-ins
    def poll(self):
        servers = self.cloud.servers(self.a.all_projects)
        now = time.time()
        unknown, view = set(), {}
        for s in servers:
            sid = s.get('id')
            if not sid:
                continue
            if s.get('status') == 'UNKNOWN':       # its cell is down: keep what we have
                unknown.add(sid)
                continue
            ips = []
            for addrs in (s.get('addresses') or {}).values():
                for a in addrs or []:
                    ip = a.get('addr')
                    if a.get('version') == 4 and a.get('OS-EXT-IPS:type', 'fixed') == 'fixed' \
                            and in_net(ip, self.range) and ip not in ips:
                        ips.append(ip)
            alive = s.get('status') not in GONE_STATUSES and \
                (s.get('OS-EXT-STS:task_state') or '') not in GONE_TASKS
            view[sid] = {
                'ips': ips, 'alive': alive,
                'state': (s.get('OS-EXT-STS:task_state') or s.get('status') or '?').lower(),
                'active': s.get('status') == 'ACTIVE' and not s.get('OS-EXT-STS:task_state'),
                'name': s.get('name') or '', 'project_id': s.get('tenant_id') or '',
                'hostname': s.get('OS-EXT-SRV-ATTR:hostname') or '',
                'image_id': (s.get('image') or {}).get('id') or '' if isinstance(s.get('image'), dict) else '',
                'created': s.get('created') or '', 'launched_at': parse_ts(s.get('OS-SRV-USG:launched_at'))}
        # Each IP belongs to the newest living server that lists it (Heat replacement: the new
        # server gets the old server's port while the old one may still be listed with it).
        owner = {}
        for sid, v in view.items():
            if not v['alive']:
                continue
            for ip in v['ips']:
                o = owner.get(ip)
                if o is None or (v['created'], sid) > (view[o]['created'], o):
                    owner[ip] = sid
        want = {}
        for sid, v in view.items():
            mine = [ip for ip in v['ips'] if owner.get(ip) == sid]
            if v['alive'] and mine:
                want[sid] = mine
        # Stand-ins whose server is gone, dead, rebuilt, or whose addresses changed.
        for name, rec in list(self.standins.items()):
            sid = rec['server_id']
            if sid in unknown or rec['phase'] == 'stopping' or rec.get('retry_down'):
                continue
            if sid not in view:
                why = 'server deleted'
            elif not view[sid]['alive']:
                why = 'server %s' % view[sid]['state']
            elif sorted(want.get(sid, [])) != sorted(rec['all_ips']):
                lost = [ip for ip in rec['all_ips'] if owner.get(ip) not in (None, sid)]
                why = ('IP %s now belongs to server %s' % (lost[0], owner[lost[0]])) if lost \
                    else 'addresses changed to %s' % (','.join(want.get(sid, [])) or 'none')
            elif (view[sid]['launched_at'] or 0) > (rec.get('launched_at') or 9e99) + 0.5:
                # Nova sets launched_at again on rebuild/evacuate (new disk: new stand-in) and on
                # resize/unshelve (same disk: keep it). A fake rebuild can be over between polls.
                if not self.rebuilt_since(sid, rec['launched_at']):
                    rec['launched_at'] = view[sid]['launched_at']
                    self.dirty = True
                    continue
                why = 'server rebuilt'
            else:
                continue
            self.teardown(name, why)
        # Plans: an ACTIVE server without a (matching) stand-in gets one after the boot delay,
        # counted from the moment Nova made it ACTIVE (launched_at).
        have = {(r['server_id'], tuple(sorted(r['all_ips']))) for r in self.standins.values()
                if r['phase'] != 'stopping' and not r.get('doomed')}
        for sid in list(self.plans):
            p = self.plans[sid]
            if sid not in want or sorted(want[sid]) != sorted(p['ips']) or not view[sid]['active']:
                log('plan for server %s (%s) dropped: %s' % (sid, ','.join(p['ips']),
                    'server gone' if sid not in view else 'not ACTIVE any more or addresses changed'))
                del self.plans[sid]
                self.dirty = True
        for sid, ips in want.items():
            v = view[sid]
            if not v['active'] or sid in self.plans or (sid, tuple(sorted(ips))) in have:
                continue
            base = v['launched_at'] if v['launched_at'] and v['launched_at'] <= now else now
            self.plans[sid] = {'ips': ips, 'due': max(now, base + self.a.boot_delay), 'seen': now,
                               'server_name': v['name'], 'project_id': v['project_id'],
                               'hostname': v['hostname'] or sanitize_hostname(v['name']),
                               'launched_at': v['launched_at'], 'image_id': v['image_id']}
            self.dirty = True
            if self.announced.get(sid) != ips:     # once, not again after each failed try
                self.announced[sid] = ips
                log('server %s %s ACTIVE with %s: stand-in in %.1fs'
                    % (v['name'], sid, ','.join(ips), self.plans[sid]['due'] - now))
        for sid in list(self.fail):
            if sid not in want:
                del self.fail[sid]
        for sid in list(self.announced):
            if sid not in want:
                del self.announced[sid]
        for sid in list(self.port_cidrs):
            if sid not in view:
                del self.port_cidrs[sid]

    def rebuilt_since(self, sid, t):
        acts = self.cloud.call(self.cloud.compute, 'GET', '/servers/%s/os-instance-actions' % sid,
                               microversion=NOVA_MICROVERSION).get('instanceActions') or []
        return any(a.get('action') in ('rebuild', 'evacuate') and
                   (parse_ts(a.get('start_time')) or 0) >= t - 1 for a in acts)

    def release_for(self, image_id):
        """The release for a server's image (cached: a Glance image's properties do not change)."""
        if not image_id:
            return DEFAULT_RELEASE
        if image_id not in self.image_releases:
            try:
                img = self.cloud.call(self.cloud.image, 'GET', '/v2/images/%s' % image_id)
            except ApiError as e:
                if e.status != 404:
                    raise
                img = None                          # deleted image: the server still runs
            self.image_releases[image_id] = image_release(img)
        return self.image_releases[image_id]

    def cidrs_for(self, sid, ips):
        """{ip: cidr} from the server's Neutron ports; fallback --subnet when a port is not visible."""
        known = self.port_cidrs.setdefault(sid, {})
        if all(ip in known for ip in ips):
            return known
        ports = self.cloud.call(self.cloud.network, 'GET', '/v2.0/ports?' + urllib.parse.urlencode(
            {'device_id': sid}))['ports']
        for port in ports:
            for fip in port.get('fixed_ips') or []:
                sub = fip.get('subnet_id')
                if fip.get('ip_address') not in ips or not sub:
                    continue
                if sub not in self.subnets:
                    self.subnets[sub] = self.cloud.call(
                        self.cloud.network, 'GET', '/v2.0/subnets/%s' % sub)['subnet']['cidr']
                known[fip['ip_address']] = self.subnets[sub]
        for ip in ips:
            if ip not in known and in_net(ip, self.fallback_subnet):
                known[ip] = str(self.fallback_subnet)
        return known

    def start_due(self):
        now = time.time()
        busy_ips = {ip for r in self.standins.values() for ip in r['ips']}
        running = sum(1 for (_, act, _, _) in self.procs.values() if act == 'up')
        for sid, p in sorted(self.plans.items(), key=lambda kv: kv[1]['due']):
            if p['due'] > now or running >= self.a.max_parallel:
                continue
            f = self.fail.get(sid)
            if f and f[1] > now:
                continue
            if any(ip in busy_ips for ip in p['ips']) or p.get('retry_at', 0) > now:
                continue                           # the previous holder is still going down
            try:
                cidrs = self.cidrs_for(sid, p['ips'])
                release = self.release_for(p.get('image_id'))
            except ApiError as e:
                if not self.neutron_err:
                    log('neutron/glance: %s (retrying)' % e)
                self.neutron_err = str(e)
                p['retry_at'] = now + max(1.0, self.a.interval)
                continue
            if self.neutron_err:
                log('neutron: reachable again')
                self.neutron_err = None
            primary = p['ips'][0]
            if primary not in cidrs:
                self.note('server %s: no Neutron subnet found for %s yet (retrying)' % (sid, primary))
                p['retry_at'] = now + max(1.0, self.a.interval)
                continue
            cidr = cidrs[primary]
            ips = [ip for ip in p['ips'] if cidrs.get(ip) == cidr]
            left = [ip for ip in p['ips'] if ip not in ips]
            if left:
                self.note('server %s: %s not in subnet %s of %s: not on the stand-in '
                          '(one subnet per stand-in)' % (sid, ','.join(left), cidr, primary))
            name = self.name_for(sid)
            del self.plans[sid]
            self.standins[name] = {
                'server_id': sid, 'server_name': p['server_name'], 'project_id': p['project_id'],
                'ips': ips, 'all_ips': p['ips'], 'cidr': cidr, 'hostname': p['hostname'] or name,
                'phase': 'starting', 'since': now, 'seen': p['seen'], 'launched_at': p['launched_at'],
                'release': release}
            self.dirty = True
            self.save()                            # recorded before the VM exists
            argv = ['up', name, primary, '--subnet', cidr, '--hostname', p['hostname'] or name, '--release', release]
            if len(ips) > 1:
                argv += ['--extra-ip', ','.join(ips[1:])]
            self.spawn(name, 'up', argv)
            busy_ips.update(ips)
            running += 1

    def name_for(self, sid):
        hexid = re.sub(r'[^0-9a-f]', '', sid.lower()) or 'x'
        for n in (12, 20, 32):
            name = self.a.prefix + hexid[:n]
            if name not in self.standins and not os.path.exists(vmdir(name)):
                return name
        return self.a.prefix + hexid[:12] + '-' + str(int(time.time() * 1000) % 100000)

    def health(self):
        """Stand-ins removed or killed behind our back are forgotten / replaced."""
        for name, rec in list(self.standins.items()):
            if rec['phase'] != 'up' or name in self.procs:
                continue
            if rec.get('retry_down'):
                if rec['retry_down'] <= time.time():
                    del rec['retry_down']
                    self.teardown(name, rec.get('why', 'retry'))
                continue
            if vm_env(name) is None:
                log('stand-in %s %s vanished (removed outside nova-sync); it will be re-created'
                    % (name, rec['ips'][0]))
                del self.standins[name]
                self.dirty = True
            elif not vm_running(name):
                self.teardown(name, 'stand-in not running any more')

    def note(self, msg):
        if msg not in self.noted:
            self.noted.add(msg)
            log(msg)

    # ----- main loop
    def run(self):
        try:
            self.cloud = Cloud(self.a.os_cloud, timeout=self.a.timeout)
        except ApiError as e:
            die(str(e))
        os.makedirs(self.dir, exist_ok=True)
        lock = open(os.path.join(self.dir, 'lock'), 'w')
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            die('another nova-sync runs with state dir %s' % self.dir)
        if self.a.pid_file:
            with open(self.a.pid_file, 'w') as f:
                f.write('%d\n' % os.getpid())
        try:
            os.unlink(self.ready_file)
        except OSError:
            pass
        signal.signal(signal.SIGTERM, lambda *_: self.request_stop('teardown'))
        signal.signal(signal.SIGINT, lambda *_: self.request_stop('teardown'))
        signal.signal(signal.SIGUSR1, lambda *_: self.request_stop('keep'))
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        log('start: cloud %s%s, range %s, boot delay %.1fs, interval %.1fs, state %s'
            % (self.a.os_cloud or os.environ.get('OS_CLOUD') or 'OS_* environment',
               ' (all projects)' if self.a.all_projects else '', self.range, self.a.boot_delay,
               self.a.interval, self.dir))
        self.adopt()
        next_poll = 0.0
        try:
            while not self.stop_mode:
                self.reap()
                now = time.monotonic()
                if now >= next_poll:
                    next_poll = now + self.poll_once()
                if self.last_ok:
                    self.start_due()
                if now - self.last_health >= 2:
                    self.last_health = now
                    self.health()
                self.save()
                time.sleep(0.1)
        except Exception:                          # a bug must not leave stand-ins unmanaged
            log('internal error, stopping:\n' + traceback.format_exc())
            self.stop_mode = self.stop_mode or 'keep'
        self.shutdown()

    def poll_once(self):
        try:
            self.poll()
        except ApiError as e:
            if e.status in (401, 403) and self.last_ok is None:
                log('giving up: %s (credentials or --all-projects without admin?)' % e)
                self.stop_mode = 'keep'
                return self.a.interval
            return self.poll_failed(str(e))
        except Exception as e:                     # unexpected payloads etc.: log, keep state
            return self.poll_failed('%s: %s' % (type(e).__name__, e), tb=traceback.format_exc())
        t = time.time()
        if self.err_since is not None:
            log('nova: reachable again after %.0fs of errors' % (t - self.err_since))
        self.err_since = None
        self.last_err = None
        self.failures = 0
        self.polls += 1
        first = self.last_ok is None
        self.last_ok = t
        self.dirty = True                          # status shows the last good poll
        if first:
            log('first poll ok (%s)' % self.cloud.label)
            # state.json names this process before `ready` appears: `nova-sync.sh start` returns on
            # `ready` and `status` reads the pid from state.json (a stale one reads as not running)
            self.save(force=True)
            open(self.ready_file, 'w').close()
        return self.a.interval

    def poll_failed(self, msg, tb=None):
        t = time.time()
        self.failures += 1
        if self.err_since is None:
            self.err_since = t
        if msg != self.last_err or t - self.err_logged > 30:
            log('poll failed (%d in a row; keeping %d stand-ins): %s'
                % (self.failures, len(self.standins), msg) + ('\n' + tb if tb else ''))
            self.err_logged = t
        self.last_err = msg
        self.dirty = True
        return max(self.a.interval, min(5.0, self.a.interval * (2 ** min(self.failures, 3))))

    def request_stop(self, mode):
        if not self.stop_mode:
            self.stop_mode = mode

    def shutdown(self):
        log('stopping (%s)' % ('tearing down %d stand-ins' % len(self.standins)
                               if self.stop_mode == 'teardown' else 'keeping the stand-ins'))
        deadline = time.time() + 120
        while self.procs and time.time() < deadline:
            self.reap()
            time.sleep(0.1)
        if self.stop_mode == 'teardown':
            for name in list(self.standins):
                if self.standins[name]['phase'] != 'stopping':
                    self.standins[name]['phase'] = 'up'
                    self.teardown(name, 'nova-sync stopped')
            while self.procs and time.time() < deadline:
                self.reap()
                time.sleep(0.1)
        self.plans = {}
        self.save(force=True)
        for f in (self.ready_file, self.a.pid_file):
            try:
                if f:
                    os.unlink(f)
            except OSError:
                pass
        log('stopped; %d stand-ins left%s' % (len(self.standins),
            ' (kept for the next run)' if self.standins else ''))


# --------------------------------------------------------------------------- status
def cmd_status(a):
    path = os.path.join(a.state_dir, 'state.json')
    try:
        with open(path) as f:
            st = json.load(f)
    except (OSError, ValueError):
        print('nova-sync: not running (no state in %s)' % a.state_dir)
        return 3
    pid = st.get('pid') or 0
    running = pid_alive_as(pid, 'nova-sync.py')
    now = time.time()
    if running:
        lo = st.get('last_ok_poll')
        print('nova-sync: running, pid %d, cloud %s%s, range %s, last good poll %s%s'
              % (pid, st.get('cloud'), ' (all projects)' if st.get('all_projects') else '',
                 st.get('range'), ('%.1fs ago' % (now - lo)) if lo else 'never',
                 ('; last error: %s' % st['last_error']) if st.get('last_error') else ''))
    else:
        print('nova-sync: not running (last pid %d)' % pid)
    rows = [('NAME', 'IPS', 'PHASE', 'HOSTNAME', 'RELEASE', 'SERVER', 'SERVER NAME')]
    for name, r in sorted(st.get('standins', {}).items(), key=lambda kv: kv[1]['ips'][0]):
        rows.append((name, ','.join(r['ips']), r['phase'], r.get('hostname', ''),
                     r.get('release', DEFAULT_RELEASE), r['server_id'], r.get('server_name', '')))
    for sid, p in sorted((st.get('pending') or {}).items()):
        rows.append(('-', ','.join(p['ips']), 'boot in %.1fs' % max(0, p['due'] - now), '-', '-', sid,
                     p.get('server_name', '')))
    w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print('  '.join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip())
    return 0 if running else 3


# --------------------------------------------------------------------------- network
def default_pool(net):
    """Leave the low addresses to fixtures: hosts from offset 100 (second half in small subnets)."""
    size = net.num_addresses
    first = 100 if size >= 256 else size // 2
    return str(net.network_address + first), str(net.broadcast_address - 1)


def cmd_network(a):
    net = ipaddress.ip_network(a.cidr, strict=False)
    if net.version != 4 or not net.subnet_of(ipaddress.ip_network(TB_RANGE)):
        die('%s is not inside the test-bed range %s' % (net, TB_RANGE))
    gw = a.gateway or str(net.network_address + 1)   # vm.sh: the bridge holds the first address
    start, end = a.pool.split('-', 1) if a.pool else default_pool(net)
    for ip in (gw, start, end):
        if not in_net(ip, net):
            die('%s is not inside %s' % (ip, net))
    try:
        c = Cloud(a.os_cloud)
        pid = c.project_id()
        if a.project:
            found = c.call(c.identity, 'GET', '/projects?' + urllib.parse.urlencode(
                {'name': a.project}))['projects']
            pid = found[0]['id'] if len(found) == 1 else a.project
        q = urllib.parse.urlencode({'name': a.name, 'project_id': pid})
        nets = c.call(c.network, 'GET', '/v2.0/networks?' + q)['networks']
        if len(nets) > 1:
            die('%d networks named %s in project %s' % (len(nets), a.name, pid))
        if a.action == 'show':
            if not nets:
                die('no network %s in project %s' % (a.name, pid))
            print(nets[0]['id'])
            return 0
        if a.action == 'delete':
            if not nets:
                print('nova-sync: no network %s in project %s' % (a.name, pid), file=sys.stderr)
                return 0
            c.call(c.network, 'DELETE', '/v2.0/networks/%s' % nets[0]['id'], ok=(204,))
            print('nova-sync: network %s %s deleted' % (a.name, nets[0]['id']), file=sys.stderr)
            return 0
        if nets:
            n = nets[0]
            what = 'exists'
        else:
            body = {'name': a.name, 'admin_state_up': True}
            if a.project:
                body['project_id'] = pid
            n = c.call(c.network, 'POST', '/v2.0/networks', {'network': body}, ok=(201,))['network']
            what = 'created'
        print('nova-sync: network %s %s (%s)' % (a.name, n['id'], what), file=sys.stderr)
        subs = c.call(c.network, 'GET', '/v2.0/subnets?' + urllib.parse.urlencode(
            {'network_id': n['id']}))['subnets']
        want = {'name': a.subnet_name or a.name + '-subnet', 'gateway_ip': gw, 'enable_dhcp': False,
                'allocation_pools': [{'start': start, 'end': end}]}
        mine = [s for s in subs if ipaddress.ip_network(s['cidr']) == net]
        if not mine:
            clash = [s for s in subs if s['name'] == want['name']]
            if clash:
                die('subnet %s already exists with CIDR %s (wanted %s)'
                    % (want['name'], clash[0]['cidr'], net))
            body = dict(want, network_id=n['id'], ip_version=4, cidr=str(net))
            if a.project:
                body['project_id'] = pid
            s = c.call(c.network, 'POST', '/v2.0/subnets', {'subnet': body}, ok=(201,))['subnet']
            what = 'created'
        else:
            s = mine[0]
            diff = {k: v for k, v in want.items() if s.get(k) != v}
            if diff:
                s = c.call(c.network, 'PUT', '/v2.0/subnets/%s' % s['id'], {'subnet': diff})['subnet']
                what = 'updated (%s)' % ', '.join(sorted(diff))
            else:
                what = 'unchanged'
        pools = ','.join('%s-%s' % (p['start'], p['end']) for p in s['allocation_pools'])
        print('nova-sync: subnet %s %s %s gateway %s pool %s dhcp %s (%s)'
              % (s['name'], s['id'], s['cidr'], s['gateway_ip'], pools,
                 'on' if s['enable_dhcp'] else 'off', what), file=sys.stderr)
        print(n['id'])
        return 0
    except ApiError as e:
        die(str(e))


# --------------------------------------------------------------------------- CLI
def main():
    state_dir = os.environ.get('TESTBED_NOVA_SYNC_DIR', os.path.join(TB_STATE, 'nova-sync'))
    ap = argparse.ArgumentParser(prog='nova-sync.py', description='Nova servers -> test-bed VMs')
    sub = ap.add_subparsers(dest='cmd', required=True)

    r = sub.add_parser('run', help='watch Nova and keep the stand-ins in line (foreground)')
    r.add_argument('--os-cloud', default=os.environ.get('OS_CLOUD'), help='cloud in clouds.yaml')
    r.add_argument('--all-projects', action='store_true', help='servers of every project (admin)')
    r.add_argument('--range', default=TB_RANGE, help='mirror fixed IPs inside this CIDR (%(default)s)')
    r.add_argument('--subnet', default=TB_SUBNET,
                   help='test-bed subnet for IPs whose Neutron subnet is not visible (%(default)s)')
    r.add_argument('--interval', type=float, default=1.0, help='seconds between Nova polls')
    r.add_argument('--boot-delay', type=float, default=2.0,
                   help='seconds from ACTIVE until the stand-in starts booting (%(default)s)')
    r.add_argument('--prefix', default='nv-', help='stand-in name prefix (+ server id hex)')
    r.add_argument('--max-parallel', type=int, default=8, help='concurrent vm.sh up')
    r.add_argument('--timeout', type=float, default=15.0, help='HTTP timeout per API call')
    r.add_argument('--state-dir', default=state_dir)
    r.add_argument('--pid-file')

    s = sub.add_parser('status', help='daemon state and the stand-ins it manages')
    s.add_argument('--state-dir', default=state_dir)

    n = sub.add_parser('network', help='Neutron network + subnet matching a test-bed subnet')
    n.add_argument('action', nargs='?', default='create', choices=('create', 'show', 'delete'))
    n.add_argument('--os-cloud', default=os.environ.get('OS_CLOUD'))
    n.add_argument('--project', help='create in this project (name or id; admin) instead of the token\'s')
    n.add_argument('--name', default='vnf-net')
    n.add_argument('--subnet-name', help='default NAME-subnet')
    n.add_argument('--cidr', default=TB_SUBNET, help='%(default)s (a test-bed subnet)')
    n.add_argument('--gateway', help='default: first address (the test-bed bridge)')
    n.add_argument('--pool', metavar='START-END', help='default: offset 100 .. last host')
    a = ap.parse_args()

    if a.cmd == 'status':
        return cmd_status(a)
    if a.cmd == 'network':
        return cmd_network(a)
    if os.geteuid() != 0:
        die('must run as root (vm.sh needs it)')
    if not os.access(VM_SH, os.X_OK):
        die('%s not found' % VM_SH)
    if not re.fullmatch(r'[a-z0-9][a-z0-9-]{0,7}', a.prefix):
        die('--prefix: up to 8 of [a-z0-9-] (stand-in names are vm.sh names)')
    for opt in ('range', 'subnet'):
        try:
            net = ipaddress.ip_network(getattr(a, opt), strict=False)
        except ValueError as e:
            die('--%s: %s' % (opt, e))
        if net.version != 4 or not net.subnet_of(ipaddress.ip_network(TB_RANGE)):
            die('--%s %s must lie inside the test-bed range %s' % (opt, net, TB_RANGE))
    Sync(a).run()
    return 0


if __name__ == '__main__':
    sys.exit(main())
