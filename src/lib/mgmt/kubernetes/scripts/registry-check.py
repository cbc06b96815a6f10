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


def containerd_view(reg):
    server = reg['server']
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
    last = None
    for url, cafiles, skip in endpoints:
        last = probe(url, cafiles, skip, creds)
        if last is None:
            return 'pulls via %s%s%s' % (url, ' with CA %s' % ', '.join(cafiles) if cafiles else '',
                                        ' as %s' % creds[0] if creds else '')
    raise Fail(last)


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


def main(argv):
    if len(argv) != 2:
        sys.stderr.write('usage: registry-check.py SPEC-JSON|@FILE\n')
        return 2
    raw = argv[1]
    if raw.startswith('@'):
        with open(raw[1:], encoding='utf-8') as f:
            raw = f.read()
    spec = json.loads(raw)
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
