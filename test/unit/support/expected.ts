// Expected values shared by several unit suites, written out (never imported from the code under test).

/** spark-defaults.conf lines of the Iceberg REST catalog `minio` that every Spark driver job is pinned to. */
export const CATALOG_CONF = [
    "spark.sql.extensions org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
    "spark.sql.catalog.minio org.apache.iceberg.spark.SparkCatalog",
    "spark.sql.catalog.minio.type rest",
    "spark.sql.catalog.minio.uri http://iceberg-rest:8181",
    "spark.sql.catalog.minio.warehouse s3://warehouse/",
    "spark.sql.catalog.minio.io-impl org.apache.iceberg.aws.s3.S3FileIO",
    "spark.sql.catalog.minio.s3.endpoint http://minio:9000",
    "spark.sql.catalog.minio.s3.path-style-access true",
    "spark.sql.catalog.minio.s3.access-key-id ${S3_ACCESS_KEY}",
    "spark.sql.catalog.minio.s3.secret-access-key ${S3_SECRET_KEY}",
    "spark.sql.catalog.minio.client.region us-east-1",
    "spark.sql.defaultCatalog minio",
];
