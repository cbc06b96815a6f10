// registry-check.py (the node-side checker of the Kubernetes driver) in its step mode, run here
// with python3 against a real local HTTPS registry stand-in (a CA made with openssl, Basic auth,
// one manifest). A small Python harness loads the script as a module and points its containerd /
// kubelet paths at a temp directory, and emulates the node's /etc/hosts line for the registry's
// name (the one thing that cannot be redirected by path). The e2e test
// (test/e2e/registry-check.test.ts) runs the same script on real VM stand-ins.
//
//   node --import tsx --test test/unit/registry-check-script.test.ts
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { driverScript } from '../../src/lib/mgmt/kubernetes/node-ops.js';
import { parseStepLines } from '../../src/lib/registry-check/nodes.js';

const HARNESS = String.raw`
import base64, hashlib, http.server, importlib.util, json, os, socket, ssl, sys, threading
args = json.loads(sys.argv[1])
d = args['dir']
spec = importlib.util.spec_from_file_location('rc', args['script'])
rc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rc)

class Registry(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def authorized(self):
        if self.headers.get('Authorization') == 'Basic ' + base64.b64encode(b'alice:alice-pw').decode():
            return True
        self.send_response(401)
        self.send_header('WWW-Authenticate', 'Basic realm="unit"')
        self.end_headers()
        return False
    def do_GET(self):
        if self.authorized():
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{}')
    def do_HEAD(self):
        if self.authorized():
            found = self.path == '/v2/hello/manifests/latest' and 'manifest.v2+json' in (self.headers.get('Accept') or '')
            self.send_response(200 if found else 404)
            if found:
                self.send_header('Docker-Content-Digest', 'sha256:' + 'ab' * 32)
            self.end_headers()

srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Registry)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(os.path.join(d, 'srv.crt'), os.path.join(d, 'srv.key'))
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
threading.Thread(target=srv.serve_forever, daemon=True).start()
server = 'reg.unit.invalid:%d' % srv.server_address[1]

root = os.path.join(d, 'node-%d' % srv.server_address[1])
rc.CERTS_D = os.path.join(root, 'certs.d')
rc.CONTAINERD_TOML = os.path.join(root, 'config.toml')
rc.KUBELET_CREDS = os.path.join(root, 'kubelet.json')
os.makedirs(os.path.join(rc.CERTS_D, server))
with open(rc.CONTAINERD_TOML, 'w') as f:
    f.write('version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "%s"\n' % rc.CERTS_D)
url = '%s://%s' % (args['scheme'], server)
ca = os.path.join(rc.CERTS_D, server, 'ca.crt')
with open(os.path.join(rc.CERTS_D, server, 'hosts.toml'), 'w') as f:
    f.write('server = "%s"\n[host."%s"]\n  capabilities = ["pull", "resolve"]\n  ca = "%s"\n' % (url, url, ca))
with open(args['ca'], 'rb') as src, open(ca, 'wb') as dst:
    dst.write(src.read())
with open(rc.KUBELET_CREDS, 'w') as f:
    json.dump({'auths': {server: {'auth': base64.b64encode(('alice:' + args['password']).encode()).decode()}}}, f)
if args['hosts']:
    real = socket.getaddrinfo
    socket.getaddrinfo = lambda h, *a, **k: real('127.0.0.1' if h == 'reg.unit.invalid' else h, *a, **k)
with open(os.path.join(d, 'ca.crt'), 'rb') as f:
    pkg_sha = hashlib.sha256(f.read()).hexdigest()
reg = {'server': server, 'secure': True, 'auth': True, 'ca': True, 'hosts_line': '127.0.0.1 reg.unit.invalid', 'ca_sha256': pkg_sha}
spec = {'node': 'n1', 'runtime': 'containerd', 'registries': [reg]}
if not args.get('legacy'):
    spec.update(steps=True, image='hello')
code = rc.main(['registry-check.py', json.dumps(spec)])
print('exit\t%d' % code)
`;

let dir: string;

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vnflcm-regchk-py-'));
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=unit CA']);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other.key', '-out', 'other.crt', '-days', '2', '-subj', '/CN=other CA']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=reg.unit.invalid']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:reg.unit.invalid\n');
  openssl(['x509', '-req', '-in', 'srv.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.crt', '-days', '2', '-extfile', 'ext.cnf']);
  writeFileSync(join(dir, 'harness.py'), HARNESS);
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function runScript(o: { scheme?: string; ca?: string; password?: string; hosts?: boolean; legacy?: boolean } = {}): { code: number; stdout: string } {
  const args = { dir, script: driverScript('registry-check.py'), scheme: o.scheme ?? 'https', ca: join(dir, o.ca ?? 'ca.crt'), password: o.password ?? 'alice-pw', hosts: o.hosts ?? true, legacy: o.legacy ?? false };
  const r = spawnSync('python3', [join(dir, 'harness.py'), JSON.stringify(args)], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const code = Number(/^exit\t(\d+)$/m.exec(r.stdout)?.[1]);
  return { code, stdout: r.stdout };
}

function steps(stdout: string): string {
  return parseStepLines('n1', stdout)
    .map((r) => `${r.check}=${r.result}`)
    .join(' ');
}

function row(stdout: string, check: string) {
  return parseStepLines('n1', stdout).find((r) => r.check === check);
}

describe('registry-check.py step mode', () => {
  test('a correctly configured node passes every check, and the manifest HEAD finds the image', () => {
    const r = runScript();
    assert.equal(r.code, 0, r.stdout);
    assert.equal(steps(r.stdout), 'config=ok dns=ok tcp=ok scheme=ok tls=ok login=ok manifest=ok');
    assert.match(row(r.stdout, 'manifest')?.detail ?? '', /hello:latest is sha256:(ab){32}/);
    assert.match(row(r.stdout, 'login')?.detail ?? '', /logged in as alice \(Basic\)/);
    assert.ok(!r.stdout.includes('alice-pw'), 'no password in the output');
  });

  test('a CA file that is not the package\'s: tls fails with the hint, login and manifest skipped', () => {
    const r = runScript({ ca: 'other.crt' });
    assert.equal(r.code, 1);
    assert.equal(steps(r.stdout), 'config=ok dns=ok tcp=ok scheme=ok tls=FAIL login=skip manifest=skip');
    assert.match(row(r.stdout, 'tls')?.detail ?? '', /not trusted with CA .*ca\.crt \(unable to get local issuer certificate\)/);
    assert.match(row(r.stdout, 'tls')?.hint ?? '', /is not the package's certificate_path/);
  });

  test('a wrong password in the kubelet credentials fails login', () => {
    const r = runScript({ password: 'wrong' });
    assert.equal(steps(r.stdout), 'config=ok dns=ok tcp=ok scheme=ok tls=ok login=FAIL manifest=skip');
    assert.match(row(r.stdout, 'login')?.detail ?? '', /rejected the credentials of alice \(HTTP 401\)/);
  });

  test('no hosts line for the name: dns fails and says which line to add', () => {
    const r = runScript({ hosts: false });
    assert.equal(steps(r.stdout), 'config=ok dns=FAIL tcp=skip scheme=skip tls=skip login=skip manifest=skip');
    assert.match(row(r.stdout, 'dns')?.hint ?? '', /add "127\.0\.0\.1 reg\.unit\.invalid" to \/etc\/hosts/);
  });

  test('hosts.toml with http:// for an HTTPS registry: scheme fails', () => {
    const r = runScript({ scheme: 'http' });
    assert.equal(steps(r.stdout), 'config=ok dns=ok tcp=ok scheme=FAIL tls=skip login=skip manifest=skip');
    assert.match(row(r.stdout, 'scheme')?.detail ?? '', /containerd pulls via http:\/\/, but reg\.unit\.invalid port \d+ speaks HTTPS \(TLS\)/);
  });

  test('the driver\'s mode (no "steps") keeps its one line per registry, and names the first endpoint\'s reason', () => {
    const ok = runScript({ legacy: true });
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /^check\treg\.unit\.invalid:\d+\tcontainerd\tok\tpulls via https:\/\/reg\.unit\.invalid:\d+ with CA .* as alice$/m);
    assert.doesNotMatch(ok.stdout, /^step\t/m);
    const bad = runScript({ legacy: true, password: 'wrong' });
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /^check\treg\.unit\.invalid:\d+\tcontainerd\tfail\thttps:\/\/reg\.unit\.invalid:\d+\/v2\/ rejected the configured credentials \(HTTP 401\)$/m);
  });
});
