#!/usr/bin/env bash
# npm run demo: the user guide, walked with the real CLI on the built-in local cloud.
#
#   1. installs what is missing (npm packages, the test environment) and brings the local cloud up
#   2. adds both sample VNF packages
#   3. creates and instantiates the Docker private registry VNF, shows it
#   4. creates and instantiates the Kubernetes VNF whose private_registry_connection_info names
#      that registry (server "vnf:<id>", HTTP) and the HTTPS registry fixture (CA + login)
#   5. proves a worker can pull from both registries using only its own configuration
#   6. scales the workers out, heals one worker, shows the instance, terminates everything
#
# Every command is printed before it runs, with its output. Root only (the local cloud needs it).
# DEMO_KEEP=1 leaves the instances running at the end.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"

[ "$(id -u)" = 0 ] || { echo "demo: run as root (sudo npm run demo): the local cloud needs it" >&2; exit 1; }

bold() { if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }
say() { echo; bold "== $*"; }
run() { # print a command as the user types it, then run it
  printf '\n$ %s\n' "$*"
  "$@"
}
vnflcm() { node "$ROOT/bin/run.js" "$@"; }

t0=$(date +%s)
say "Installing npm packages and building"
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build --silent

say "Bringing up the local cloud (OpenStack on 127.0.0.1, VM stand-ins, registries)"
bash "$HERE/env.sh" up
FACTS=$(bash "$HERE/env.sh" facts)
fact() { printf '%s' "$FACTS" | python3 -c 'import json,sys; v=json.load(sys.stdin)
for k in sys.argv[1].split("."): v=v[k]
print(v)' "$1"; }

export OS_CLIENT_CONFIG_FILE; OS_CLIENT_CONFIG_FILE=$(fact clouds_yaml)
export OS_CLOUD; OS_CLOUD=$(fact cloud_demo)
export VNFLCM_HOME; VNFLCM_HOME=$(mktemp -d /tmp/vnflcm-demo-XXXXXX)
NET=$(fact network_id)
WORK=$(mktemp -d /tmp/vnflcm-demo-work-XXXXXX)

cleanup() {
  if [ "${DEMO_KEEP:-}" != 1 ]; then
    for id in ${K8S_ID:-} ${REG_ID:-}; do vnflcm terminate "$id" --D -q >/dev/null 2>&1 || true; done
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

say "Onboarding the VNF packages"
# The Kubernetes package gets the HTTPS registry's CA certificate (certificate_path is package-relative)
# and, because the local cloud has no internet to fetch Calico from, a local CNI manifest named in
# the install script's override file (Scripts/install_k8s_cluster.conf).
cp -r samples/kubernetes-cluster-vnf-package "$WORK/k8s-package"
mkdir -p "$WORK/k8s-package/Files/certs" "$WORK/k8s-package/Files/cni"
cp "$(fact registries.https.ca_file)" "$WORK/k8s-package/Files/certs/registry-ca.crt"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo-cni\n  namespace: kube-system\n' >"$WORK/k8s-package/Files/cni/cni.yaml"
echo 'CNI_MANIFEST=Files/cni/cni.yaml' >"$WORK/k8s-package/Scripts/install_k8s_cluster.conf"
run vnflcm package add samples/private-registry-vnf-package
run vnflcm package add "$WORK/k8s-package" -c Id -c "VNFD ID" -c "Vnf Product Name"

say "Deploy Docker Private Registry VNF"
python3 - "$NET" >"$WORK/private_registry_param_file.json" <<'EOF'
import json, sys
p = json.load(open("samples/private_registry_param_file.json"))
for vl in p["extVirtualLinks"]:
    vl["resourceId"] = sys.argv[1]
p["additionalParams"]["private_registry_installation_param"]["image_path"] = "Files/images/registry.tar"
json.dump(p, sys.stdout, indent=2)
EOF
run vnflcm create c1bb0ce7-ebca-4fa7-95ed-4840d70a118f
REG_ID=$(vnflcm list -f value -c ID | head -1)
run vnflcm validate "$WORK/private_registry_param_file.json" --vnfd-id c1bb0ce7-ebca-4fa7-95ed-4840d70a118f
run vnflcm instantiate "$REG_ID" "$WORK/private_registry_param_file.json"
run vnflcm show "$REG_ID"

say "Deploy Kubernetes Cluster with Docker Private Registry"
python3 - "$NET" "$REG_ID" "$(fact registries.https.server)" "$(fact registries.https.username)" \
  "$(fact registries.https.password)" "$(fact registries.https.hosts_line)" \
  >"$WORK/private_registry_kubernetes_param_file.json" <<'EOF'
import json, sys
net, reg_id, server, user, password, hosts_line = sys.argv[1:7]
p = json.load(open("samples/private_registry_kubernetes_param_file.json"))
for vl in p["extVirtualLinks"]:
    vl["resourceId"] = net
p["additionalParams"]["k8s_cluster_installation_param"]["private_registry_connection_info"] = [
    {"connection_type": "0", "server": "vnf:" + reg_id},
    {"connection_type": "1", "server": server, "username": user, "password": password,
     "certificate_path": "Files/certs/registry-ca.crt", "hosts_string": hosts_line},
]
json.dump(p, sys.stdout, indent=2)
EOF
run vnflcm create b1db0ce7-ebca-1fb7-95ed-4840d70a1163 --name k8s-cluster
K8S_ID=$(vnflcm list -f value -c ID -c "VNF Instance Name" | awk '$2 == "k8s-cluster" {print $1}')
run vnflcm instantiate "$K8S_ID" "$WORK/private_registry_kubernetes_param_file.json"
run vnflcm vim list

say "A worker pulls from both registries with its own configuration only"
worker_ip() { # the IP of the N-th workerNode VNFC
  vnflcm show "$K8S_ID" -f json -c "Instantiated Vnf Info" | python3 -c '
import json, sys
info = json.load(sys.stdin)["Instantiated Vnf Info"]
ws = [v for v in info["vnfcResourceInfo"] if v["vduId"] == "workerNode"]
w = ws[int(sys.argv[1])]
print(w["vnfcCpInfo"][0]["cpProtocolInfo"][0]["ipOverEthernet"]["ipAddresses"][0]["addresses"][0])' "$1"; }
vm_of_ip() { bash "$HERE/env.sh" vm list | awk -v ip="$1" '$2 == ip {print $1}'; }
W0=$(vm_of_ip "$(worker_ip 0)")
REG_EP=$(vnflcm show "$REG_ID" -f json -c metadata | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["private_registry"]["endpoint"])' 2>/dev/null || true)
echo "worker $W0; registry VNF endpoint ${REG_EP:-?}"
if [ -n "$REG_EP" ]; then
  # put the fixture's test image into the registry VNF, then pull it from the worker
  skopeo copy --quiet --src-tls-verify=false --dest-tls-verify=false \
    "docker://$(fact registries.http.server)/testbed/hello:latest" "docker://$REG_EP/testbed/hello:latest" || true
  printf '\n$ verify-pull %s %s testbed/hello:latest\n' "$W0" "$REG_EP"
  bash "$HERE/env.sh" verify-pull "$W0" "$REG_EP" testbed/hello:latest
fi
printf '\n$ verify-pull %s %s testbed/hello:latest\n' "$W0" "$(fact registries.https.server)"
bash "$HERE/env.sh" verify-pull "$W0" "$(fact registries.https.server)" testbed/hello:latest

say "Scale out the workers, heal one worker"
run vnflcm scale "$K8S_ID" --type SCALE_OUT --aspect-id worker_instance --number-of-steps 1
VNFC=$(vnflcm show "$K8S_ID" -f json -c "Instantiated Vnf Info" | python3 -c '
import json, sys
info = json.load(sys.stdin)["Instantiated Vnf Info"]
print([v for v in info["vnfcResourceInfo"] if v["vduId"] == "workerNode"][0]["id"])')
run vnflcm heal "$K8S_ID" --vnfc-instance "$VNFC"
run vnflcm show "$K8S_ID" -c "Instantiation State" -c "VIM Connection Info" -c "VNF Instance Name"
run vnflcm op list

if [ "${DEMO_KEEP:-}" = 1 ]; then
  say "Kept: VNFLCM_HOME=$VNFLCM_HOME (registry $REG_ID, cluster $K8S_ID)"
else
  say "Terminate"
  run vnflcm terminate "$K8S_ID" --D
  run vnflcm terminate "$REG_ID" --D
  K8S_ID='' REG_ID=''
fi
say "Demo finished in $(( $(date +%s) - t0 )) s"
