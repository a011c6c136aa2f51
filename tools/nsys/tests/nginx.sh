# shellcheck shell=bash
# start_nginx DIR: nginx in the foreground (1 worker, no access log, keep-alive for a million
# requests) on 127.0.0.1 answering GET /hello with 200 text/plain "Hello, World!" and 404 to
# every other path; its config, pid file and temp paths in DIR. Sets nginx_pid and nginx_port.
# nginx cannot listen on port 0, so the port is one the OS just handed out, tried again (3
# times) if another program took it meanwhile; every wait is bounded (10 s). Sourced by the
# tests and by scripts/bench.sh (which sets nginx_prefix_cmd to pin it to a CPU); stop_nginx
# ends it.
start_nginx() {
  local dir=$1 _attempt
  mkdir -p "$dir"
  for _attempt in 1 2 3; do
    nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  server {
    listen 127.0.0.1:$nginx_port;
    location = /hello { default_type text/plain; return 200 "Hello, World!"; }
    location / { return 404; }
  }
}
CONF
    ${nginx_prefix_cmd:-} nginx -p "$dir" -c "$dir/nginx.conf" -e stderr \
      -g "daemon off; pid $dir/nginx.pid; error_log stderr;" >"$dir/nginx.out" 2>"$dir/nginx.err" &
    nginx_pid=$!
    local _
    for _ in $(seq 100); do
      kill -0 "$nginx_pid" 2>/dev/null || break
      if ss -Hltn "sport = :$nginx_port" | grep -q .; then return 0; fi
      sleep 0.1
    done
    if kill -0 "$nginx_pid" 2>/dev/null; then
      kill -KILL "$nginx_pid" 2>/dev/null || true
      wait "$nginx_pid" 2>/dev/null || true
      echo "nginx did not listen on 127.0.0.1:$nginx_port within 10 s" >&2
      return 1
    fi
    wait "$nginx_pid" 2>/dev/null || true
    grep -q 'Address already in use' "$dir/nginx.err" || break
  done
  echo "nginx did not start: $(tail -3 "$dir/nginx.err")" >&2
  return 1
}

# stop_nginx: SIGQUIT (graceful), then SIGKILL after 10 s.
stop_nginx() {
  [[ -n "${nginx_pid:-}" ]] || return 0
  kill -QUIT "$nginx_pid" 2>/dev/null || true
  local _
  for _ in $(seq 100); do kill -0 "$nginx_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$nginx_pid" 2>/dev/null || true
  wait "$nginx_pid" 2>/dev/null || true
  nginx_pid=""
}
