"""Copy the marts of a local Spark build (dbt-spark, method: session) out as Parquet.

Runs in .venv-spark (it needs PySpark, which the default .venv does not have):

    .venv-spark/bin/python -m tradewh.spark_export --spark-dir warehouse/spark --out DIR [--schema marts ...]

It opens the same Hive warehouse directory and Derby metastore as the `spark` target in
profiles.yml ($DBT_SPARK_DIR), writes each table or view of a schema (default `marts`) to
DIR/<schema>/<model>/ as Parquet and DIR/<schema>/manifest.json with the column names and row
counts (an empty model may leave no Parquet file behind). The DuckDB side of the comparison
reads these files; see tradewh.spark_compare.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path


def spark_conf(spark_dir: Path, driver_memory: str, cores: int) -> dict[str, str]:
    """The settings of the `spark` output in profiles.yml, for the same warehouse and metastore."""
    root = spark_dir.resolve()
    return {
        "spark.master": f"local[{cores}]",
        "spark.driver.memory": driver_memory,
        "spark.sql.warehouse.dir": str(root / "spark-warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={root}/metastore_db;create=true",
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={root}",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.ansi.enabled": "false",
        "spark.ui.enabled": "false",
    }


def export_marts(
    spark_dir: Path, out: Path, schemas: Sequence[str], driver_memory: str, cores: int
) -> dict[str, dict[str, dict]]:
    """Write every table and view of each schema to ``out/<schema>/``, with its manifest.json
    (columns, rows per model); return the manifests by schema."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("tradewh-spark-export").enableHiveSupport()
    for name, value in spark_conf(spark_dir, driver_memory, cores).items():
        builder = builder.config(name, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    manifests: dict[str, dict[str, dict]] = {}
    try:
        for schema in schemas:
            manifest: dict[str, dict] = {}
            folder = out / schema
            folder.mkdir(parents=True, exist_ok=True)
            tables = sorted(t.name for t in spark.catalog.listTables(schema) if not t.isTemporary)
            for table in tables:
                frame = spark.table(f"{schema}.{table}")
                rows = frame.count()
                frame.coalesce(1).write.mode("overwrite").parquet(str(folder / table))
                manifest[table] = {"columns": frame.columns, "rows": rows}
                print(f"  {schema}.{table}: {rows} rows", flush=True)
            (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
            manifests[schema] = manifest
    finally:
        spark.stop()
    return manifests


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(
            "Export the marts of a local Spark build (the `spark` dbt target, method: session) to Parquet, "
            "one folder per model plus manifest.json, so that the DuckDB side can compare them. "
            "Needs PySpark: run it with .venv-spark/bin/python."
        )
    )
    parser.add_argument(
        "--spark-dir",
        type=Path,
        required=True,
        help="the $DBT_SPARK_DIR of the build: holds spark-warehouse/ and metastore_db/",
    )
    parser.add_argument("--out", type=Path, required=True, help="folder to write <mart>/*.parquet and manifest.json")
    parser.add_argument(
        "--schema",
        action="append",
        dest="schemas",
        help="schema (Spark database) to export, to OUT/<schema>/; repeat for several (default: marts)",
    )
    parser.add_argument("--driver-memory", default="2g", help="Spark driver memory (default: 2g)")
    parser.add_argument("--cores", type=int, default=2, help="local Spark cores (default: 2)")
    args = parser.parse_args(argv)
    if not (args.spark_dir / "metastore_db").is_dir():
        print(f"spark_export: no Spark build at {args.spark_dir} (metastore_db/ missing)", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    schemas = args.schemas or ["marts"]
    manifests = export_marts(args.spark_dir, args.out, schemas, args.driver_memory, args.cores)
    empty = [schema for schema in schemas if not manifests.get(schema)]
    if empty:
        print(f"spark_export: no tables in {', '.join(empty)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
