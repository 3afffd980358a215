"""ClickHouse 18.16 (Debian's clickhouse-server) as a search peer for bench/run.py: started on
loopback with its own configuration and data directory, loaded with the benchmark corpus, queried
with clickhouse-client.

What this old version needs, seen on Debian 12: no CODEC(...) per column (zstd level 3 is set
server-wide in <compression>); no DateTime64 (ts_ns UInt64 beside a DateTime); `match(line,
'(?i)error')` counts case-sensitively unless the pattern has a group, so `(?i)(error)`;
`ORDER BY ts DESC LIMIT 100` reads every matching row (no read-in-order optimisation).
"""
import os
import shutil
import socket
import subprocess
import time

SERVER = shutil.which("clickhouse-server") or "/usr/sbin/clickhouse-server"
CLIENT = shutil.which("clickhouse-client")

CONFIG = """<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>{dir}/server.log</log><errorlog>{dir}/error.log</errorlog>
    <console>0</console></logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>{tcp}</tcp_port>
  <http_port>{http}</http_port>
  <path>{dir}/data/</path>
  <tmp_path>{dir}/tmp/</tmp_path>
  <user_files_path>{dir}/user_files/</user_files_path>
  <format_schema_path>{dir}/format_schemas/</format_schema_path>
  <users_config>{dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>1073741824</mark_cache_size>
  <max_concurrent_queries>4</max_concurrent_queries>
  <compression>
    <case><min_part_size>0</min_part_size><min_part_size_ratio>0</min_part_size_ratio>
      <method>zstd</method><level>3</level></case>
  </compression>
</yandex>
"""

USERS = """<?xml version="1.0"?>
<yandex>
  <profiles><default><max_threads>{threads}</max_threads></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>
  </interval></default></quotas>
</yandex>
"""


def available():
    return CLIENT is not None and os.path.exists(SERVER)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tsv_escape(line):
    return line.replace(b"\\", b"\\\\").replace(b"\t", b"\\t").replace(b"\r", b"\\r")


class ClickHouse:
    def __init__(self, work, threads):
        self.dir = os.path.join(work, "clickhouse")
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(os.path.join(self.dir, "data"))
        self.port = free_port()
        cfg = os.path.join(self.dir, "config.xml")
        with open(cfg, "w") as f:
            f.write(CONFIG.format(dir=self.dir, tcp=self.port, http=free_port()))
        with open(os.path.join(self.dir, "users.xml"), "w") as f:
            f.write(USERS.format(threads=threads))
        self.proc = subprocess.Popen([SERVER, f"--config-file={cfg}"], cwd=self.dir,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):
            if subprocess.run(self.client_cmd("SELECT 1"), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0:
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"clickhouse-server did not start; see {self.dir}/error.log")

    def client_cmd(self, query):
        return [CLIENT, "--host", "127.0.0.1", "--port", str(self.port), "--query", query]

    def query(self, sql):
        return subprocess.run(self.client_cmd(sql), check=True, stdout=subprocess.PIPE).stdout

    def load(self, files, apps, span_ns, t0_ns):
        """Each file is a stream whose lines are spread evenly over the same span of time, as
        vigied stamps the lines of 50 pushes running at once."""
        self.query("CREATE TABLE logs (app String, file String, ts DateTime, ts_ns UInt64, "
                   "line String) ENGINE = MergeTree ORDER BY (app, file, ts)")
        for path in files:
            lines = open(path, "rb").read().split(b"\n")
            if lines and lines[-1] == b"":
                lines.pop()
            prefix = f"{apps[path]}\t{path}\t".encode()
            n = max(len(lines), 1)
            rows = []
            for i, line in enumerate(lines):
                ts_ns = t0_ns + i * span_ns // n
                rows.append(b"%s%d\t%d\t%s" % (prefix, ts_ns // 10**9, ts_ns, tsv_escape(line)))
            subprocess.run(self.client_cmd("INSERT INTO logs FORMAT TabSeparated"),
                           input=b"\n".join(rows) + b"\n", check=True)
        self.query("OPTIMIZE TABLE logs FINAL")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
