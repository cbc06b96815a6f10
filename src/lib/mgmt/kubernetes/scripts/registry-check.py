#!/usr/bin/env python3
"""registry-check.py SPEC - can this node pull from each registry using ONLY its own configuration?

SPEC is JSON (or @FILE): {"node": NAME, "runtime": "containerd"|"docker",
"registries": [{"server": "host[:port]", "secure": bool, "auth": bool, "ca": bool}, ...]}.

For every registry it reads what the container runtime would read and asks the registry's /v2/
endpoint with exactly that: the containerd view (always; kubelet pulls through CRI) is
config.toml's config_path, certs.d/<server>/hosts.toml (scheme, `ca`, `skip_verify`) and the
kubelet's /var/lib/kubelet/config.json credentials; the docker view (runtime docker) is
daemon.json's insecure-registries, /etc/docker/certs.d/<server>/*.crt and
/root/.docker/config.json. Names resolve through the node's /etc/hosts. When a CA is configured,
only that CA is trusted. Passwords never leave this process (no command line, no output).

Output: one line per registry and view: "check<TAB>server<TAB>view<TAB>ok|fail<TAB>detail".

With "steps": true in SPEC (`vnflcm registry check`), every check is reported on its own line
instead: "step<TAB>server<TAB>view<TAB>check<TAB>ok|FAIL|skip<TAB>detail<TAB>hint", the checks being
config, dns, tcp, scheme, tls, login, manifest (a check after a failed one is "skip"). Optional
SPEC keys for it: "image" (NAME[:TAG] for the manifest HEAD) and, per registry, "hosts_line" (the
parameters' hosts_string) and "ca_sha256" (of the package's CA file), both only for hints.

Exit status: 0 all good, 1 a check failed, 2 bad usage. Python 3.7+ (stdlib only).
"""
import base64
import glob
import json
import os
import re
import socket
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request

CERTS_D = '/etc/containerd/certs.d'
CONTAINERD_TOML = '/etc/containerd/config.toml'
KUBELET_CREDS = '/var/lib/kubelet/config.json'
DOCKER_DAEMON = '/etc/docker/daemon.json'
DOCKER_CERTS_D = '/etc/docker/certs.d'
DOCKER_CREDS = '/root/.docker/config.json'
TIMEOUT = 15
CRI_TABLES = ('plugins."io.containerd.grpc.v1.cri".registry', 'plugins."io.containerd.cri.v1.images".registry')


class Fail(Exception):
    pass


def read_text(path):
    try:
        with open(path, encoding='utf-8') as f:
            return f.read()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise Fail('cannot read %s: %s' % (path, e.strerror))


def toml_value(raw):
    """A TOML value we write or containerd documents: "string", 'string', true/false, [strings]."""
    raw = raw.strip()
    if raw.startswith('['):
        return [toml_value(x) for x in re.findall(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'', raw)]
    if raw.startswith('"'):
        m = re.match(r'"((?:[^"\\]|\\.)*)"', raw)
        return json.loads('"%s"' % m.group(1)) if m else raw
    if raw.startswith("'"):
        return raw[1:raw.index("'", 1)] if "'" in raw[1:] else raw
    low = raw.split('#')[0].strip().lower()
    if low in ('true', 'false'):
        return low == 'true'
    return low


def toml_tables(text):
    """{table name (quotes normalised to "): {key: value}} for the flat TOML files involved."""
    tables, cur = {'': {}}, ''
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith('#'):
            continue
        m = re.match(r'^\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$', s)
        if m:
            cur = re.sub(r'\s*\.\s*', '.', m.group(1)).replace("'", '"')
            tables.setdefault(cur, {})
            continue
        m = re.match(r'^([A-Za-z0-9_-]+)\s*=\s*(.*)$', s)
        if m:
            tables[cur][m.group(1)] = toml_value(m.group(2))
    return tables


def creds_from(path, server):
    text = read_text(path)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        raise Fail('%s is not valid JSON' % path)
    for key, ent in ((data or {}).get('auths') or {}).items():
        k = re.sub(r'^https?://', '', key).split('/', 1)[0]
        if k != server or not isinstance(ent, dict):
            continue
        if ent.get('auth'):
            try:
                user, _, pw = base64.b64decode(ent['auth']).decode('utf-8').partition(':')
            except (ValueError, UnicodeDecodeError):
                raise Fail('the "auth" of %s in %s is not base64 of user:password' % (server, path))
            return user, pw
        if ent.get('username'):
            return ent['username'], ent.get('password', '')
    return None


def ssl_context(cafiles, skip_verify):
    if skip_verify:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    if not cafiles:
        return ssl.create_default_context()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    for f in cafiles:
        if not os.path.isfile(f):
            raise Fail('the CA file %s does not exist' % f)
        try:
            ctx.load_verify_locations(cafile=f)
        except (ssl.SSLError, OSError) as e:
            raise Fail('the CA file %s cannot be used: %s' % (f, e))
    return ctx


def describe(err, url):
    host = urllib.parse.urlparse(url).hostname or url
    reason = getattr(err, 'reason', err)
    if isinstance(reason, socket.gaierror):
        return 'cannot resolve %s (no /etc/hosts line for it?)' % host
    if isinstance(reason, ssl.SSLCertVerificationError):
        return 'TLS: the certificate of %s is not trusted with the configured CA (%s)' % (host, reason.verify_message)
    if isinstance(reason, ssl.SSLError):
        if 'WRONG_VERSION_NUMBER' in str(reason) or 'wrong version number' in str(reason):
            return '%s does not speak HTTPS (an HTTP registry needs an http:// entry)' % host
        return 'TLS error talking to %s: %s' % (host, reason)
    if isinstance(reason, ConnectionRefusedError):
        return 'connection to %s refused' % urllib.parse.urlparse(url).netloc
    if isinstance(reason, socket.timeout):
        return 'no answer from %s within %d s' % (urllib.parse.urlparse(url).netloc, TIMEOUT)
    return '%s: %s' % (url, reason)


def get(url, ctx, headers):
    req = urllib.request.Request(url, headers=headers)
    handlers = [urllib.request.ProxyHandler({})]
    if ctx is not None:
        handlers.append(urllib.request.HTTPSHandler(context=ctx))
    opener = urllib.request.build_opener(*handlers)
    return opener.open(req, timeout=TIMEOUT)


def probe(base, cafiles, skip_verify, creds):
    """GET <base>/v2/ as a pull would; returns None when it answers 200, else the reason."""
    url = base.rstrip('/') + '/v2/'
    ctx = ssl_context(cafiles, skip_verify) if url.startswith('https://') else None
    headers = {}
    if creds:
        headers['Authorization'] = 'Basic ' + base64.b64encode(('%s:%s' % creds).encode('utf-8')).decode('ascii')
    try:
        with get(url, ctx, headers) as r:
            return None if r.status == 200 else '%s answered HTTP %d' % (url, r.status)
    except urllib.error.HTTPError as e:
        challenge = e.headers.get('WWW-Authenticate', '') if e.headers else ''
        if e.code == 401 and challenge.lower().startswith('bearer') and creds:
            return bearer(url, ctx, creds, challenge)
        if e.code == 401:
            return ('%s rejected the configured credentials (HTTP 401)' % url) if creds else \
                ('%s needs credentials (HTTP 401) and none are configured for it' % url)
        return '%s answered HTTP %d' % (url, e.code)
    except (urllib.error.URLError, OSError, ssl.SSLError) as e:
        return describe(e, url)


def bearer(url, ctx, creds, challenge):
    params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
    realm = params.pop('realm', None)
    if not realm:
        return '%s sent a Bearer challenge without realm' % url
    turl = realm + ('&' if '?' in realm else '?') + urllib.parse.urlencode(params)
    auth = {'Authorization': 'Basic ' + base64.b64encode(('%s:%s' % creds).encode('utf-8')).decode('ascii')}
    try:
        with get(turl, ctx if turl.startswith('https://') else None, auth) as r:
            tok = json.loads(r.read().decode('utf-8'))
        token = tok.get('token') or tok.get('access_token')
        with get(url, ctx, {'Authorization': 'Bearer %s' % token}) as r:
            return None if r.status == 200 else '%s answered HTTP %d' % (url, r.status)
    except urllib.error.HTTPError as e:
        return 'token service %s rejected the configured credentials (HTTP %d)' % (realm, e.code)
    except (urllib.error.URLError, OSError, ssl.SSLError, ValueError) as e:
        return describe(e, turl)


def containerd_endpoints(server):
    """containerd's pull endpoints for a registry, in the order it tries them: [(url, cafiles, skip_verify)], where."""
    cfg = read_text(CONTAINERD_TOML)
    tables = toml_tables(cfg or '')
    paths = [t.get('config_path') for name, t in tables.items() if name in CRI_TABLES]
    if not any(isinstance(p, str) and CERTS_D in p.split(':') for p in paths):
        raise Fail('containerd does not read %s: config_path is not set in %s' % (CERTS_D, CONTAINERD_TOML))
    disabled = tables.get('', {}).get('disabled_plugins') or []
    if isinstance(disabled, list) and any(d in ('cri', 'io.containerd.grpc.v1.cri') for d in disabled):
        raise Fail('the CRI plugin is disabled in %s (kubelet cannot pull)' % CONTAINERD_TOML)
    hf = os.path.join(CERTS_D, server, 'hosts.toml')
    text = read_text(hf)
    endpoints = []
    if text is None:
        endpoints.append(('https://' + server, [], False))
        where = 'no %s' % hf
    else:
        where = hf
        h = toml_tables(text)
        for name, spec in h.items():
            m = re.match(r'^host\."(.*)"$', name)
            if not m:
                continue
            caps = spec.get('capabilities', ['pull', 'resolve', 'push'])
            if 'pull' not in caps:
                continue
            ca = spec.get('ca', [])
            ca = [ca] if isinstance(ca, str) else list(ca)
            endpoints.append((m.group(1), [c if c.startswith('/') else os.path.join(CERTS_D, server, c) for c in ca],
                              bool(spec.get('skip_verify'))))
        top = h.get('', {})
        if top.get('server'):
            ca = top.get('ca', [])
            endpoints.append((top['server'], [ca] if isinstance(ca, str) else list(ca), bool(top.get('skip_verify'))))
        if not endpoints:
            endpoints.append(('https://' + server, [], False))
    return endpoints, where


def containerd_view(reg):
    server = reg['server']
    endpoints, where = containerd_endpoints(server)
    first = endpoints[0][0]
    if reg['secure'] and not first.startswith('https://'):
        raise Fail('%s sends pulls to %s, not HTTPS' % (where, first))
    if not reg['secure'] and not first.startswith('http://'):
        raise Fail('HTTP registry, but containerd would use %s (%s)' % (first, where))
    if reg.get('ca') and not endpoints[0][1]:
        raise Fail('no CA configured for it in %s' % where)
    creds = creds_from(KUBELET_CREDS, server)
    if reg.get('auth') and not creds:
        raise Fail('no credentials for %s in %s' % (server, KUBELET_CREDS))
    first = None
    for url, cafiles, skip in endpoints:
        err = probe(url, cafiles, skip, creds)
        if err is None:
            return 'pulls via %s%s%s' % (url, ' with CA %s' % ', '.join(cafiles) if cafiles else '',
                                        ' as %s' % creds[0] if creds else '')
        # the first endpoint's reason: a fallback (the bare server, without the host's CA) only masks it
        first = first or err
    raise Fail(first)


def docker_view(reg):
    server = reg['server']
    text = read_text(DOCKER_DAEMON)
    try:
        daemon = json.loads(text) if text and text.strip() else {}
    except ValueError:
        raise Fail('%s is not valid JSON' % DOCKER_DAEMON)
    insecure = [re.sub(r'^https?://', '', str(x)).rstrip('/') for x in (daemon.get('insecure-registries') or [])]
    cas = sorted(glob.glob(os.path.join(DOCKER_CERTS_D, server, '*.crt')))
    creds = creds_from(DOCKER_CREDS, server)
    if reg.get('auth') and not creds:
        raise Fail('no credentials for %s in %s (docker login)' % (server, DOCKER_CREDS))
    if reg['secure']:
        if reg.get('ca') and not cas:
            raise Fail('no CA certificate in %s/%s/' % (DOCKER_CERTS_D, server))
        err = probe('https://' + server, cas, False, creds)
    else:
        if server not in insecure:
            raise Fail('%s is not in insecure-registries of %s' % (server, DOCKER_DAEMON))
        err = probe('http://' + server, [], False, creds)
    if err:
        raise Fail(err)
    return 'pulls via %s://%s' % ('https' if reg['secure'] else 'http', server)


# ------------------------------------------------------------------------------------------------
# Step mode (`vnflcm registry check`): every check on its own line, so that the operator sees which
# one fails on which node. A check whose prerequisite failed is "skip".

MANIFEST_ACCEPT = ', '.join([
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.docker.distribution.manifest.v2+json',
])


class Skip(Exception):
    pass


def split_url(url):
    """(scheme, host, port, explicit port?) of an endpoint URL (bracketed IPv6 hosts unbracketed)."""
    u = urllib.parse.urlparse(url)
    scheme = u.scheme or 'https'
    try:
        port = u.port
    except ValueError:
        raise Fail('%s has an invalid port' % url)
    return scheme, u.hostname or '', port or (443 if scheme == 'https' else 80), port is not None


def is_ip(host):
    for fam in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(fam, host)
            return True
        except (OSError, ValueError):
            pass
    return False


def hosts_line_addr(line, host):
    """The address a hosts_string line gives `host` (None when it does not name it)."""
    parts = (line or '').split()
    return parts[0] if len(parts) > 1 and host in parts[1:] else None


def sha256_file(path):
    import hashlib
    try:
        with open(path, 'rb') as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return None


def ssl_errtext(e):
    return getattr(e, 'verify_message', None) or getattr(e, 'reason', None) or str(e)


def speaks_tls(addr, port, host):
    """'https' when the port completes a TLS handshake, 'http' when it answers plain HTTP, else None."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((addr, port), TIMEOUT) as raw:
            with ctx.wrap_socket(raw, server_hostname=None if is_ip(host) else host):
                return 'https'
    except (ssl.SSLError, OSError):
        pass
    try:
        with socket.create_connection((addr, port), TIMEOUT) as raw:
            raw.sendall(('GET /v2/ HTTP/1.0\r\nHost: %s\r\n\r\n' % host).encode('ascii', 'replace'))
            raw.settimeout(TIMEOUT)
            head = raw.recv(16)
            return 'http' if head.startswith(b'HTTP/') else None
    except OSError:
        return None


class Session(object):
    """HTTP(S) to one registry endpoint with the node's CA and credentials; remembers the auth scheme."""

    def __init__(self, base, ctx, creds):
        self.base = base.rstrip('/')
        self.ctx = ctx
        self.creds = creds
        self.challenge = None

    def call(self, path, method='GET', headers=None, auth=None):
        req = urllib.request.Request(self.base + path, headers=dict(headers or {}), method=method)
        if auth:
            req.add_header('Authorization', auth)
        try:
            r = get_req(req, self.ctx if req.full_url.startswith('https://') else None)
            r.close()
            return r.status, r.headers
        except urllib.error.HTTPError as e:
            return e.code, e.headers

    def basic(self):
        return 'Basic ' + base64.b64encode(('%s:%s' % self.creds).encode('utf-8')).decode('ascii')

    def token(self, scope=None):
        params = dict(re.findall(r'(\w+)="([^"]*)"', self.challenge))
        realm = params.pop('realm', None)
        if not realm:
            raise Fail('the registry sent a Bearer challenge without realm')
        params.pop('error', None)
        if scope:
            params['scope'] = scope
        turl = realm + ('&' if '?' in realm else '?') + urllib.parse.urlencode(params)
        req = urllib.request.Request(turl, headers={'Authorization': self.basic()} if self.creds else {})
        try:
            with get_req(req, self.ctx if turl.startswith('https://') else None) as r:
                tok = json.loads(r.read().decode('utf-8'))
        except urllib.error.HTTPError as e:
            raise Fail('token service %s rejected %s (HTTP %d)' % (realm, 'the credentials of %s' % self.creds[0] if self.creds else 'an anonymous request', e.code))
        return 'Bearer %s' % (tok.get('token') or tok.get('access_token'))

    def auth_for(self, scope=None):
        if not self.challenge:
            return None
        if self.challenge.lower().startswith('bearer'):
            return self.token(scope)
        return self.basic() if self.creds else None


def get_req(req, ctx):
    handlers = [urllib.request.ProxyHandler({})]
    if ctx is not None:
        handlers.append(urllib.request.HTTPSHandler(context=ctx))
    return urllib.request.build_opener(*handlers).open(req, timeout=TIMEOUT)


def doctor(reg, view, image):
    """The checks of one registry as the node's `view` (containerd|docker) pulls: [(check, result, detail, hint)]."""
    server = reg['server']
    rows = []
    state = {'blocked': None}

    def run(check, fn):
        if state['blocked']:
            rows.append((check, 'skip', 'after the failed %s check' % state['blocked'], ''))
            return None
        try:
            out = fn()
            detail, hint = out if isinstance(out, tuple) else (out, '')
            rows.append((check, 'ok', detail, hint))
            return True
        except Skip as e:
            rows.append((check, 'skip', str(e), ''))
            return None
        except Fail as e:
            detail, hint = e.args if len(e.args) == 2 else (str(e), '')
            rows.append((check, 'FAIL', detail, hint))
            return False
        except (OSError, ValueError, ssl.SSLError) as e:
            rows.append((check, 'FAIL', '%s: %s' % (type(e).__name__, e), ''))
            return False

    ep = {}

    def config():
        problems = []
        if view == 'containerd':
            try:
                endpoints, where = containerd_endpoints(server)
            except Fail as e:
                endpoints, where = [('https://' + server, [], False)], str(e)
                problems.append(str(e))
            url, cafiles, skip = endpoints[0]
            creds_file = KUBELET_CREDS
        else:
            text = read_text(DOCKER_DAEMON)
            try:
                daemon = json.loads(text) if text and text.strip() else {}
            except ValueError:
                daemon = {}
                problems.append('%s is not valid JSON' % DOCKER_DAEMON)
            insecure = [re.sub(r'^https?://', '', str(x)).rstrip('/') for x in (daemon.get('insecure-registries') or [])]
            url = ('http://' if server in insecure else 'https://') + server
            cafiles = sorted(glob.glob(os.path.join(DOCKER_CERTS_D, server, '*.crt')))
            skip = False
            where = DOCKER_DAEMON
            creds_file = DOCKER_CREDS
        try:
            creds = creds_from(creds_file, server)
        except Fail as e:
            creds = None
            problems.append(str(e))
        ep.update(url=url, cafiles=cafiles, skip=skip, creds=creds, where=where)
        if reg.get('ca') and url.startswith('https://') and not cafiles:
            problems.append('no CA configured for %s (%s)' % (server, where))
        for f in cafiles:
            if not os.path.isfile(f):
                problems.append('the CA file %s does not exist' % f)
        if reg.get('auth') and not creds:
            problems.append('no credentials for %s in %s' % (server, creds_file))
        if problems:
            raise Fail('; '.join(problems), 'vnflcm writes these files at instantiate/heal; re-run it or restore them')
        return 'pulls via %s%s%s' % (url, ' with CA %s' % ', '.join(cafiles) if cafiles else '', ' as %s' % creds[0] if creds else '')

    def dns():
        scheme, host, port, explicit = split_url(ep['url'])
        ep.update(scheme=scheme, host=host, port=port, explicit=explicit)
        if is_ip(host):
            ep['addr'] = host
            return '%s is an IP address' % host
        want = hosts_line_addr(reg.get('hosts_line'), host)
        try:
            infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
        except socket.gaierror as e:
            hint = ('add "%s" to /etc/hosts (the hosts_string; vnflcm keeps it in its managed block)' % reg['hosts_line']) if want else \
                'the nodes have no DNS for it: give the registry a hosts_string "<IP> %s"' % host
            raise Fail('cannot resolve %s on this node (%s)' % (host, e.strerror or e), hint)
        addrs = []
        for info in infos:
            if info[4][0] not in addrs:
                addrs.append(info[4][0])
        ep['addr'] = addrs[0]
        if want and want not in addrs:
            raise Fail('%s resolves to %s, but its hosts_string says %s' % (host, ', '.join(addrs), want),
                       'another /etc/hosts line or DNS wins over the hosts_string; remove it')
        return '%s -> %s' % (host, ', '.join(addrs))

    def tcp():
        try:
            socket.create_connection((ep['addr'], ep['port']), TIMEOUT).close()
        except socket.timeout:
            raise Fail('no answer from %s port %d within %d s' % (ep['addr'], ep['port'], TIMEOUT), 'a firewall or security group drops it, or the address is wrong')
        except OSError as e:
            hint = 'nothing listens on port %d there' % ep['port']
            if not ep['explicit']:
                other = 80 if ep['port'] == 443 else 443
                hint += '; without a port in "server" %s uses %d (connection_type "%s"); is it an %s registry on %d?' % (
                    ep['scheme'].upper(), ep['port'], '1' if ep['scheme'] == 'https' else '0', 'HTTP' if other == 80 else 'HTTPS', other)
            raise Fail('cannot connect to %s port %d: %s' % (ep['addr'], ep['port'], e.strerror or e), hint)
        return 'connected to %s port %d' % (ep['addr'], ep['port'])

    def scheme():
        got = speaks_tls(ep['addr'], ep['port'], ep['host'])
        want = ep['scheme']
        expected = 'https' if reg['secure'] else 'http'
        if got is None:
            raise Fail('%s port %d answers neither TLS nor HTTP' % (ep['host'], ep['port']), 'is it the registry\'s port?')
        if got != want:
            raise Fail('%s pulls via %s://, but %s port %d speaks %s' % (view, want, ep['host'], ep['port'], 'HTTPS (TLS)' if got == 'https' else 'plain HTTP'),
                       'use connection_type "%s" for this registry%s' % ('1' if got == 'https' else '0',
                                                                        ' (the parameters say "%s")' % ('1' if reg['secure'] else '0') if got != expected else ' (the parameters already do: re-run instantiate/heal to rewrite the node\'s configuration)'))
        if got != expected:
            raise Fail('%s speaks %s and this node uses it, but connection_type is "%s"' % (ep['host'], got.upper(), '1' if reg['secure'] else '0'),
                       'the node\'s configuration differs from the parameters; fix connection_type or re-run instantiate/heal')
        return '%s port %d speaks %s' % (ep['host'], ep['port'], 'HTTPS' if got == 'https' else 'plain HTTP')

    def tls():
        if ep['scheme'] != 'https':
            raise Skip('plain HTTP registry')
        ctx = ssl_context(ep['cafiles'], ep['skip'])
        ep['ctx'] = ctx
        try:
            with socket.create_connection((ep['addr'], ep['port']), TIMEOUT) as raw:
                with ctx.wrap_socket(raw, server_hostname=ep['host']) as s:
                    cert = s.getpeercert() or {}
        except ssl.SSLCertVerificationError as e:
            msg = ssl_errtext(e)
            hint = 'certificate_path must be the CA that signed the registry\'s certificate'
            if reg.get('ca_sha256') and ep['cafiles'] and all(sha256_file(f) != reg['ca_sha256'] for f in ep['cafiles']):
                hint = 'the CA file on this node (%s) is not the package\'s certificate_path: re-run instantiate/heal to rewrite it' % ', '.join(ep['cafiles'])
            elif 'hostname' in str(msg).lower() or 'IP address mismatch' in str(msg):
                hint = 'the certificate does not name %s; use a server name it names' % ep['host']
            raise Fail('the certificate of %s is not trusted with %s (%s)' % (ep['host'], 'CA ' + ', '.join(ep['cafiles']) if ep['cafiles'] else 'the system CAs', msg), hint)
        except ssl.SSLError as e:
            raise Fail('TLS handshake with %s failed: %s' % (ep['host'], ssl_errtext(e)))
        subject = dict(x[0] for x in cert.get('subject', ()) if x)
        return 'verified with %s (CN=%s, until %s)' % ('CA ' + ', '.join(ep['cafiles']) if ep['cafiles'] else 'skip_verify' if ep['skip'] else 'the system CAs',
                                                     subject.get('commonName', '?'), cert.get('notAfter', '?'))

    sess = {}

    def login():
        ctx = ep.get('ctx') if ep['scheme'] == 'https' else None
        s = Session(ep['url'], ctx, ep['creds'])
        sess['s'] = s
        try:
            code, headers = s.call('/v2/')
            if code == 200:
                return 'no login needed (/v2/ answers 200)%s' % (' ; credentials for %s unused' % ep['creds'][0] if ep['creds'] else '')
            if code != 401:
                raise Fail('/v2/ answered HTTP %d' % code, 'is %s a Docker registry (API v2)?' % ep['url'])
            s.challenge = (headers.get('WWW-Authenticate') or '') if headers else ''
            if not ep['creds']:
                raise Fail('the registry needs a login (HTTP 401) and %s has no credentials for it' % view, 'give username/password for this registry')
            code, _ = s.call('/v2/', auth=s.auth_for())
        except (urllib.error.URLError, OSError) as e:
            raise Fail(describe(e, ep['url'] + '/v2/'))
        if code == 200:
            return 'logged in as %s (%s)' % (ep['creds'][0], s.challenge.split(' ')[0] or 'Basic')
        raise Fail('the registry rejected the credentials of %s (HTTP %d)' % (ep['creds'][0], code),
                   'the registry does not accept the credentials in %s: if the parameters\' username/password are right, re-run instantiate/heal to rewrite the file; else fix them' % (KUBELET_CREDS if view == 'containerd' else DOCKER_CREDS))

    def manifest():
        if not image:
            raise Skip('no image given (--image NAME[:TAG])')
        m = re.match(r'^(.+?)(?:@(sha256:[0-9a-f]{64})|:([\w][\w.-]{0,127}))?$', image)
        repo, ref = m.group(1), m.group(2) or m.group(3) or 'latest'
        s = sess['s']
        try:
            code, headers = s.call('/v2/%s/manifests/%s' % (repo, ref), method='HEAD', headers={'Accept': MANIFEST_ACCEPT},
                                   auth=s.auth_for('repository:%s:pull' % repo))
        except (urllib.error.URLError, OSError) as e:
            raise Fail(describe(e, ep['url']))
        if code == 200:
            return '%s:%s is %s (%s)' % (repo, ref, headers.get('Docker-Content-Digest', '?'), (headers.get('Content-Type') or '?').split(';')[0])
        if code == 404:
            raise Fail('no manifest %s:%s on %s (HTTP 404)' % (repo, ref, server), 'push the image, or check its name and tag')
        if code in (401, 403):
            raise Fail('not allowed to pull %s (HTTP %d)' % (repo, code), 'the user has no pull right on this repository')
        raise Fail('HEAD of the manifest of %s:%s answered HTTP %d' % (repo, ref, code))

    for check, fn, blocks in (('config', config, False), ('dns', dns, True), ('tcp', tcp, True), ('scheme', scheme, True),
                              ('tls', tls, True), ('login', login, True), ('manifest', manifest, True)):
        ok = run(check, fn)
        if ok is False and blocks:
            state['blocked'] = check
    return rows


def main_steps(spec):
    views = ['containerd'] + (['docker'] if spec.get('runtime') == 'docker' else [])
    bad = 0
    for reg in spec.get('registries', []):
        for view in views:
            for check, result, detail, hint in doctor(reg, view, spec.get('image')):
                bad += result == 'FAIL'
                print('step\t%s\t%s\t%s\t%s\t%s\t%s' % (reg['server'], view, check, result,
                                                       re.sub(r'[\t\n]+', ' ', str(detail)), re.sub(r'[\t\n]+', ' ', str(hint))))
    sys.stdout.flush()
    return 1 if bad else 0



def main(argv):
    if len(argv) != 2:
        sys.stderr.write('usage: registry-check.py SPEC-JSON|@FILE\n')
        return 2
    raw = argv[1]
    if raw.startswith('@'):
        with open(raw[1:], encoding='utf-8') as f:
            raw = f.read()
    spec = json.loads(raw)
    if spec.get('steps'):
        return main_steps(spec)
    views = [('containerd', containerd_view)]
    if spec.get('runtime') == 'docker':
        views.append(('docker', docker_view))
    bad = 0
    for reg in spec.get('registries', []):
        for name, fn in views:
            try:
                detail, status = fn(reg), 'ok'
            except Fail as e:
                detail, status = str(e), 'fail'
                bad += 1
            detail = re.sub(r'[\t\n]+', ' ', str(detail))
            print('check\t%s\t%s\t%s\t%s' % (reg['server'], name, status, detail))
    sys.stdout.flush()
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
