#!/bin/bash
# start.sh [OUTDIR] - start the OpenStack all-in-one test environment.
# Starts every service in the background (recording PIDs for stop.sh),
# initialises databases on first use, waits for each API, creates
# users/projects/endpoints/networks/flavors/image idempotently and writes
# OUTDIR/openrc, OUTDIR/openrc.demo and OUTDIR/clouds.yaml (default ./.aio).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
. "$HERE/aio.env"
export AIO_RUN_DIR AIO_HOST AIO_REGION AIO_ADMIN_PASSWORD AIO_DEMO_PASSWORD AIO_SERVICE_PASSWORD \
       AIO_HEAT_DOMAIN_ADMIN_PASSWORD AIO_IMAGE_NAME
OUT="${1:-./.aio}"
PY=/usr/bin/python3
T0=$(date +%s)
[ "$(id -u)" = 0 ] || { echo "start.sh must run as root" >&2; exit 1; }
command -v keystone-manage >/dev/null || { echo "run install.sh first" >&2; exit 1; }

log() { echo "[start +$(( $(date +%s) - T0 ))s] $*"; }
die() { echo "[start] ERROR: $*" >&2; exit 1; }
mkdir -p "$AIO_RUN_DIR" "$AIO_LOG_DIR" "$AIO_STATE_DIR" "$OUT"
exec 9>"$AIO_RUN_DIR/.start.lock"
flock -n 9 || die "another start.sh is running"

alive() { [ -f "$AIO_RUN_DIR/$1.pid" ] && kill -0 "$(cat "$AIO_RUN_DIR/$1.pid")" 2>/dev/null; }

# launch NAME CMD... : run CMD under setsid (its SID/PGID = its PID), log to
# $AIO_LOG_DIR/NAME.log, record the pid in $AIO_RUN_DIR/NAME.pid
launch() {
  local name=$1; shift
  if alive "$name"; then log "$name already running (pid $(cat "$AIO_RUN_DIR/$name.pid"))"; return; fi
  setsid "$@" >>"$AIO_LOG_DIR/$name.log" 2>&1 < /dev/null 9>&- &
  echo $! > "$AIO_RUN_DIR/$name.pid"
  date +%s > "$AIO_RUN_DIR/$name.started"
  log "started $name (pid $!)"
}

# wait_http NAME URL [TIMEOUT]: any HTTP answer < 500 counts as up
wait_http() {
  local name=$1 url=$2 timeout=${3:-180} code
  local deadline=$(( $(date +%s) + timeout ))
  while :; do
    code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$url" || true)
    if [ -n "$code" ] && [ "$code" != 000 ] && [ "$code" -lt 500 ]; then log "$name answers ($code) at $url"; return; fi
    alive "$name" || die "$name exited; see $AIO_LOG_DIR/$name.log"
    [ "$(date +%s)" -lt "$deadline" ] || die "$name did not answer at $url within ${timeout}s; see $AIO_LOG_DIR/$name.log"
    sleep 1
  done
}

# run_once KEY CMD... : run CMD unless it already succeeded for the current
# package versions (marker in $AIO_STATE_DIR)
PKGVER=$(dpkg-query -W -f='${Package}=${Version} ' python3-keystone python3-glance python3-placement \
         python3-nova python3-neutron python3-heat 2>/dev/null | md5sum | cut -c1-12)
run_once() {
  local key=$1; shift
  local marker="$AIO_STATE_DIR/$key.done"
  if [ -f "$marker" ] && [ "$(cat "$marker")" = "$PKGVER" ]; then return 0; fi
  log "running $key"
  if "$@" >>"$AIO_LOG_DIR/init-$key.log" 2>&1; then
    echo "$PKGVER" > "$marker"; log "$key done"
  else
    die "$key failed; see $AIO_LOG_DIR/init-$key.log"
  fi
}

# ------------------------------------------------------------ mariadb, rabbit
install -d -o mysql -g mysql /run/mysqld
launch mariadb /usr/sbin/mariadbd --user=mysql --pid-file=/run/mysqld/mysqld.pid
launch rabbitmq /usr/sbin/rabbitmq-server

for _ in $(seq 1 60); do mariadb-admin ping >/dev/null 2>&1 && break; alive mariadb || die "mariadb exited; see $AIO_LOG_DIR/mariadb.log"; sleep 1; done
mariadb-admin ping >/dev/null 2>&1 || die "mariadb did not start"
log "mariadb up"

SQL=""
for db in keystone glance placement nova_api nova nova_cell0 neutron heat; do
  SQL+="CREATE DATABASE IF NOT EXISTS $db CHARACTER SET utf8mb4;"
done
for u in keystone glance placement nova neutron heat; do
  SQL+="CREATE USER IF NOT EXISTS '$u'@'%' IDENTIFIED BY '$AIO_DB_PASSWORD';"
  SQL+="ALTER USER '$u'@'%' IDENTIFIED BY '$AIO_DB_PASSWORD';"
done
for db in keystone glance placement heat neutron; do SQL+="GRANT ALL PRIVILEGES ON $db.* TO '$db'@'%';"; done
for db in nova_api nova nova_cell0; do SQL+="GRANT ALL PRIVILEGES ON $db.* TO 'nova'@'%';"; done
mariadb -uroot -e "$SQL FLUSH PRIVILEGES;"
log "databases and db users ready"

# schema migrations (first start, or after a package upgrade), in parallel
nova_init() {
  nova-manage api_db sync &&
  { nova-manage cell_v2 list_cells | grep -q ' cell0 ' ||
    nova-manage cell_v2 map_cell0 --database_connection "mysql+pymysql://nova:$AIO_DB_PASSWORD@127.0.0.1/nova_cell0"; } &&
  { nova-manage cell_v2 list_cells | grep -q ' cell1 ' || nova-manage cell_v2 create_cell --name=cell1 --verbose; } &&
  nova-manage db sync
}
declare -A INIT_PIDS=()
run_once db-keystone keystone-manage db_sync & INIT_PIDS[keystone]=$!
run_once db-glance glance-manage --config-file /etc/glance/glance-api.conf db_sync & INIT_PIDS[glance]=$!
run_once db-placement placement-manage db sync & INIT_PIDS[placement]=$!
run_once db-nova nova_init & INIT_PIDS[nova]=$!
run_once db-neutron neutron-db-manage --config-file /etc/neutron/neutron.conf \
  --config-file /etc/neutron/plugins/ml2/ml2_conf.ini upgrade heads & INIT_PIDS[neutron]=$!
run_once db-heat heat-manage db_sync & INIT_PIDS[heat]=$!

# ------------------------------------------------------------------ rabbitmq
for _ in $(seq 1 90); do
  rabbitmqctl -q status >/dev/null 2>&1 && break
  alive rabbitmq || die "rabbitmq exited; see $AIO_LOG_DIR/rabbitmq.log and /var/log/rabbitmq/"
  sleep 1
done
rabbitmqctl -q await_startup --timeout 60 >/dev/null || die "rabbitmq did not start"
if rabbitmqctl -q list_users | awk '{print $1}' | grep -qx "$AIO_RABBIT_USER"; then
  rabbitmqctl -q change_password "$AIO_RABBIT_USER" "$AIO_RABBIT_PASSWORD" >/dev/null
else
  rabbitmqctl -q add_user "$AIO_RABBIT_USER" "$AIO_RABBIT_PASSWORD" >/dev/null
fi
rabbitmqctl -q set_permissions -p / "$AIO_RABBIT_USER" '.*' '.*' '.*' >/dev/null
log "rabbitmq up, user $AIO_RABBIT_USER ready"

# ------------------------------------------------------------------ keystone
wait "${INIT_PIDS[keystone]}" || exit 1
launch keystone uwsgi --ini /etc/keystone/keystone-aio-uwsgi.ini
run_once keystone-bootstrap keystone-manage bootstrap \
  --bootstrap-password "$AIO_ADMIN_PASSWORD" --bootstrap-username admin \
  --bootstrap-project-name admin --bootstrap-role-name admin \
  --bootstrap-service-name keystone --bootstrap-region-id "$AIO_REGION" \
  --bootstrap-admin-url http://127.0.0.1:5000/v3 \
  --bootstrap-public-url http://127.0.0.1:5000/v3 \
  --bootstrap-internal-url http://127.0.0.1:5000/v3
wait_http keystone http://127.0.0.1:5000/v3
"$PY" "$HERE/aio_bootstrap.py" identity >>"$AIO_LOG_DIR/bootstrap.log" 2>&1 || die "identity bootstrap failed; see $AIO_LOG_DIR/bootstrap.log"
log "keystone users/projects/catalog ready"

# ----------------------------------------------------------- other services
wait "${INIT_PIDS[placement]}" || exit 1
launch placement uwsgi --ini /etc/placement/placement-aio-uwsgi.ini
wait "${INIT_PIDS[glance]}" || exit 1
launch glance-api glance-api --config-file /etc/glance/glance-api.conf
wait "${INIT_PIDS[neutron]}" || exit 1
launch neutron-server neutron-server --config-file /etc/neutron/neutron.conf \
  --config-file /etc/neutron/plugins/ml2/ml2_conf.ini
launch neutron-linuxbridge-agent neutron-linuxbridge-agent --config-file /etc/neutron/neutron.conf \
  --config-file /etc/neutron/plugins/ml2/linuxbridge_agent.ini
wait "${INIT_PIDS[nova]}" || exit 1
launch nova-api nova-api --config-file /etc/nova/nova.conf
launch nova-conductor nova-conductor --config-file /etc/nova/nova.conf
launch nova-scheduler nova-scheduler --config-file /etc/nova/nova.conf
wait "${INIT_PIDS[heat]}" || exit 1
launch heat-engine heat-engine --config-file /etc/heat/heat.conf
launch heat-api heat-api --config-file /etc/heat/heat.conf

wait_http placement http://127.0.0.1:8778/
launch nova-compute nova-compute --config-file /etc/nova/nova-compute.conf
wait_http glance-api http://127.0.0.1:9292/
wait_http neutron-server http://127.0.0.1:9696/
wait_http nova-api http://127.0.0.1:8774/
wait_http heat-api http://127.0.0.1:8004/

"$PY" "$HERE/aio_bootstrap.py" resources >>"$AIO_LOG_DIR/bootstrap.log" 2>&1 || die "resource bootstrap failed; see $AIO_LOG_DIR/bootstrap.log"
log "flavors, image, networks ready"
"$PY" "$HERE/aio_bootstrap.py" wait-compute >>"$AIO_LOG_DIR/bootstrap.log" 2>&1 || die "nova-compute not up; see $AIO_LOG_DIR/nova-compute.log"
nova-manage cell_v2 discover_hosts >>"$AIO_LOG_DIR/init-discover-hosts.log" 2>&1 || die "discover_hosts failed"
"$PY" "$HERE/aio_bootstrap.py" wait-hypervisor >>"$AIO_LOG_DIR/bootstrap.log" 2>&1 || die "hypervisor not registered; see $AIO_LOG_DIR/nova-compute.log"
"$PY" "$HERE/aio_bootstrap.py" wait-l2agent >>"$AIO_LOG_DIR/bootstrap.log" 2>&1 || die "linuxbridge agent not alive; see $AIO_LOG_DIR/neutron-linuxbridge-agent.log"
"$PY" "$HERE/aio_bootstrap.py" wait-heat >>"$AIO_LOG_DIR/bootstrap.log" 2>&1 || die "heat-engine not up; see $AIO_LOG_DIR/heat-engine.log"
log "compute host, network agent and heat engine up"

# ------------------------------------------------------- client credentials
OUT="$(cd "$OUT" && pwd)"
write_rc() {  # file user password project
  cat > "$1" <<RC
# OpenStack all-in-one test environment credentials ($2 / project $4)
export OS_AUTH_URL=http://127.0.0.1:5000/v3
export OS_AUTH_TYPE=password
export OS_IDENTITY_API_VERSION=3
export OS_USERNAME=$2
export OS_PASSWORD=$3
export OS_PROJECT_NAME=$4
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME=$AIO_REGION
export OS_INTERFACE=public
RC
}
write_rc "$OUT/openrc" admin "$AIO_ADMIN_PASSWORD" admin
write_rc "$OUT/openrc.demo" demo "$AIO_DEMO_PASSWORD" demo
cat > "$OUT/clouds.yaml" <<YAML
# OpenStack all-in-one test environment. Use: OS_CLOUD=aio (admin) or
# OS_CLOUD=aio-demo (demo user), with OS_CLIENT_CONFIG_FILE=$OUT/clouds.yaml
clouds:
  aio:
    auth:
      auth_url: http://127.0.0.1:5000/v3
      username: admin
      password: $AIO_ADMIN_PASSWORD
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    region_name: $AIO_REGION
    interface: public
    identity_api_version: 3
  aio-demo:
    auth:
      auth_url: http://127.0.0.1:5000/v3
      username: demo
      password: $AIO_DEMO_PASSWORD
      project_name: demo
      user_domain_name: Default
      project_domain_name: Default
    region_name: $AIO_REGION
    interface: public
    identity_api_version: 3
YAML
chmod 600 "$OUT/openrc" "$OUT/openrc.demo" "$OUT/clouds.yaml"
log "wrote $OUT/openrc, $OUT/openrc.demo, $OUT/clouds.yaml"
"$HERE/mem.sh" || true
log "all services up in $(( $(date +%s) - T0 ))s"
