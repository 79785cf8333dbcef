"""``camaudit egress --engine spark LAYOUT...``: the egress analysis of Parquet layouts
(``egress.layout``) on Apache Spark, with the findings of the DuckDB path.

The relational work runs in Spark's DataFrame API, in the JVM: the conn table grouped per
(client, server, proto, port) (sums of bytes and packets, first and last time, as
``layoutduck`` groups it), the names of each address and connection kept as ``Capture`` keeps
them (per name its earliest row by layout, file_no and seq, then the ``MAX_NAMES`` earliest),
and both joined to the endpoints. Each partition of endpoints then goes through the same
``analysis.Judge`` the DuckDB path uses (``egress.sparkjudge``), with the destination rules and
the IPv4 ASN and country range arrays broadcast; the driver collects one verdict per endpoint
and builds the ``Result`` with ``analysis.assemble``. Memory on the driver grows with the
number of endpoints (as the findings do), never with rows.

pyspark is imported here only, and only this module imports it: camaudit works without it.
Local masters (the default ``local[*]``) bind to 127.0.0.1 and start no UI; a cluster is named
by ``--spark-master`` (or ``SPARK_MASTER``), or is the one ``spark-submit`` started.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from camaudit.egress.analysis import Result, assemble, flag_set
from camaudit.egress.flows import MAX_NAMES, Capture
from camaudit.egress.geo import GeoDB, default_db
from camaudit.egress.layout import VALID_CONN, VALID_NAME, VERSION, is_layout, spark_schema
from camaudit.egress.rules import Destination, load_destinations
from camaudit.egress.sparkjudge import Judged, judge_rows, tables
from camaudit.errors import UsageError
from camaudit.model import Device

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

KEY = ["client", "server", "proto", "port"]
HINT = "write one with: camaudit egress --to-parquet DIR EVIDENCE..."


def check() -> None:
    """``UsageError`` (one line) when pyspark or a Java runtime is missing."""
    if importlib.util.find_spec("pyspark") is None:
        raise UsageError("--engine spark needs pyspark: pip install 'camaudit[spark]'")
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not os.access(java, os.X_OK):
        raise UsageError("--engine spark needs a Java runtime (17 or later), and there is no "
                         "java on PATH or in JAVA_HOME (Debian: apt-get install "
                         "default-jre-headless)")


def session(master: str | None = None) -> tuple[SparkSession, bool]:
    """The active session (spark-submit, a caller's), else a new one: (session, created)."""
    from pyspark.errors import PySparkException
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    b = SparkSession.builder.appName("camaudit egress").config("spark.log.level", "ERROR")
    b = b.config("spark.ui.showConsoleProgress", "false")
    if master is None and "PYSPARK_GATEWAY_PORT" not in os.environ:  # not under spark-submit
        master = "local[*]"
    if master is not None:
        b = b.master(master)
    if master is not None and master.startswith("local"):
        # nothing leaves the machine: loopback only, no UI; workers run this interpreter
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        for k, v in {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1",
                     "spark.ui.enabled": "false",
                     "spark.sql.shuffle.partitions": str(2 * (os.cpu_count() or 1))}.items():
            b = b.config(k, v)
    try:
        return b.getOrCreate(), True
    except PySparkException as e:
        raise UsageError(f"--engine spark: Spark did not start: {_first(e)}") from e


def run(layouts: Sequence[str], devices: Sequence[Device] | None = None,
        flag_countries: Iterable[str] = ("CN",), include_local: bool = False,
        master: str | None = None, spark: SparkSession | None = None, geo: GeoDB | None = None,
        rules: list[Destination] | None = None) -> Result:
    """The findings of ``layouts`` (directories or URLs Spark can read, e.g. hdfs:// or
    s3a://), as ``analysis.analyse`` gives them for the same layouts read by DuckDB."""
    check()
    for p in layouts:
        if "://" not in p and not is_layout(Path(p)):
            raise UsageError(f"{p}: not a Parquet layout of camaudit egress ({HINT})")
    from py4j.protocol import Py4JJavaError  # type: ignore[import-untyped]
    from pyspark.errors import PySparkException, PythonException

    s, created = (spark, False) if spark is not None else session(master)
    where = ", ".join(layouts)
    try:
        return _run(s, [p.rstrip("/") for p in layouts], where, devices, flag_set(
            flag_countries), include_local, geo or default_db(),
            load_destinations() if rules is None else rules)
    except PythonException:
        raise
    except PySparkException as e:
        raise UsageError(f"{where}: {_first(e)}") from e
    except Py4JJavaError as e:
        text = str(e.java_exception)
        if "PythonException" in text or "Traceback" in text:
            raise  # an error of camaudit's own code on an executor
        raise UsageError(f"{where}: {text.splitlines()[0]}") from e
    finally:
        if created:
            s.stop()


def _first(e: BaseException) -> str:
    lines = str(e).strip().splitlines()
    return lines[0] if lines else type(e).__name__


def _table(s: SparkSession, layouts: list[str], name: str) -> DataFrame:
    """The table of every layout, with ``lay``: the layout's place in the order given."""
    from pyspark.errors import AnalysisException
    from pyspark.sql import functions as F

    out: DataFrame | None = None
    for i, p in enumerate(layouts):
        try:
            df = (s.read.schema(spark_schema(name)).option("pathGlobFilter", "part-*.parquet")
                  .parquet(f"{p}/{name}"))
        except AnalysisException as e:  # an empty table that did not survive a copy
            if "PATH_NOT_FOUND" not in str(e):
                raise
            df = s.createDataFrame([], spark_schema(name))
        df = df.withColumn("lay", F.lit(i))
        out = df if out is None else out.unionByName(df)
    assert out is not None
    return out


def _names(df: DataFrame, key: list[str]) -> DataFrame:
    """Per key, the (name, evidence) that ``Capture`` keeps, in order (as
    ``layoutduck.first_names``)."""
    from pyspark.sql import functions as F

    first = df.where(VALID_NAME).groupBy(*key, "name").agg(
        F.min(F.struct("lay", "file_no", "seq", "evidence")).alias("m"))
    order = F.struct(F.col("m.lay"), F.col("m.file_no"), F.col("m.seq"), F.col("name"),
                     F.col("m.evidence"))
    kept = first.groupBy(*key).agg(F.slice(F.sort_array(F.collect_list(order)), 1, MAX_NAMES)
                                   .alias("n"))

    def pair(x: Column) -> Column:
        return F.struct(x["name"].alias("name"), x["evidence"].alias("evidence"))

    return kept.select(*key, F.transform("n", pair).alias("names"))


def _run(s: SparkSession, layouts: list[str], where: str, devices: Sequence[Device] | None,
         flag: set[str], include_local: bool, geo: GeoDB, rules: list[Destination]) -> Result:
    from pyspark.sql import functions as F

    files = _table(s, layouts, "files").orderBy("lay", "file_no").collect()
    if any(r.version != VERSION for r in files):
        raise UsageError(f"{where}: a Parquet layout of another version than {VERSION}")
    damage = _table(s, layouts, "damage").orderBy("lay", "file_no", "seq").collect()
    agg = (_table(s, layouts, "conn").where(VALID_CONN).groupBy(*KEY)
           .agg(*(F.sum(c).cast("double").alias(a) for c, a in (
               ("client_bytes", "bo"), ("server_bytes", "bi"), ("client_pkts", "po"),
               ("server_pkts", "pi"))),
                F.min("first_ts").alias("first"), F.max("last_ts").alias("last"))
           .persist())
    try:
        ips = agg.select(F.col("client").alias("ip")).union(agg.select("server")).distinct()
        other = [r.ip for r in ips.where(~F.col("ip").rlike(r"^[0-9]{1,3}(\.[0-9]{1,3}){3}$"))
                 .collect()]
        names = _names(_table(s, layouts, "dns"), ["ip"])
        endpoints = (agg.join(_names(_table(s, layouts, "hosts"), KEY)
                              .withColumnRenamed("names", "hosts"), KEY, "left")
                     .join(names.select(F.col("ip").alias("client"),
                                        F.col("names").alias("cnames")), "client", "left")
                     .join(names.select(F.col("ip").alias("server"),
                                        F.col("names").alias("snames")), "server", "left"))
        shared = s.sparkContext.broadcast(tables(geo, rules, (d.ip for d in devices or ()), flag,
                                                 include_local, other))
        try:
            judged: list[Judged] = endpoints.rdd.mapPartitions(
                partial(judge_rows, shared)).collect()
        finally:
            shared.unpersist()
    finally:
        agg.unpersist()
    judged.sort(key=lambda j: j[0])  # as layoutduck adds them: ties sort alike
    notes = Capture()
    for _key, _verdict, bad in judged:
        if bad is not None:
            notes.note(where, 0, bad)
    return assemble(devices, (v for _, v, bad in judged if bad is None), flag,
                    [r.file for r in files], sum(int(r.records) for r in files),
                    [d.line() for d in notes.damage]
                    + [f"{r.file}: offset {r.byte_offset}: {r.message}" for r in damage])

