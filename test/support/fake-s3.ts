import { createHash } from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { closeServer, listen, readBody } from "./fake-aws";

/**
 * A fake Amazon S3 on 127.0.0.1 for the real @aws-sdk/client-s3 (REST XML, path-style addressing,
 * which the SDK uses for an IP endpoint): PutObject (with If-None-Match / If-Match conditional
 * writes and the SDK's aws-chunked uploads), GetObject, HeadObject, DeleteObject and
 * ListObjectsV2 (prefix, delimiter, pages), GetBucketPolicy and GetPublicAccessBlock (from
 * `policies` and `publicAccessBlocks`; NoSuchBucketPolicy / NoSuchPublicAccessBlockConfiguration
 * when unset). Objects live in memory; `putTree` copies a local folder in.
 */

export interface StoredObject {
  readonly body: Buffer;
  readonly etag: string;
  readonly contentType: string;
  readonly lastModified: Date;
}

const xmlEscape = (text: string): string => text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] ?? c);

/** Bodies the SDK streams with a trailing checksum: `<hex size>[;chunk-signature=...]\r\n<data>\r\n ... 0\r\n<trailers>\r\n\r\n`. */
function decodeAwsChunked(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = raw.indexOf("\r\n", at);
    if (lineEnd < 0) throw new Error("malformed aws-chunked body");
    const size = parseInt(raw.subarray(at, lineEnd).toString("latin1").split(";")[0]!, 16);
    at = lineEnd + 2;
    if (size === 0) return Buffer.concat(parts);
    parts.push(raw.subarray(at, at + size));
    at += size + 2;
  }
}

export class FakeS3 {
  readonly buckets = new Map<string, Map<string, StoredObject>>();
  readonly requests: { method: string; bucket: string; key: string }[] = [];
  /** Bucket policies, as the JSON documents S3 returns. */
  readonly policies = new Map<string, string>();
  /** Public access block settings per bucket. */
  readonly publicAccessBlocks = new Map<string, { BlockPublicAcls: boolean; IgnorePublicAcls: boolean; BlockPublicPolicy: boolean; RestrictPublicBuckets: boolean }>();
  private server: http.Server | undefined;
  endpoint = "";

  constructor(buckets: readonly string[]) {
    for (const b of buckets) this.buckets.set(b, new Map());
  }

  static async start(buckets: readonly string[]): Promise<FakeS3> {
    const fake = new FakeS3(buckets);
    fake.server = http.createServer((req, res) => void fake.handle(req, res));
    fake.endpoint = await listen(fake.server);
    return fake;
  }

  async close(): Promise<void> {
    if (this.server) await closeServer(this.server);
  }

  put(bucket: string, key: string, body: string | Buffer, contentType = "application/octet-stream"): void {
    const data = Buffer.isBuffer(body) ? body : Buffer.from(body);
    this.bucket(bucket).set(key, { body: data, etag: `"${createHash("md5").update(data).digest("hex")}"`, contentType, lastModified: new Date() });
  }

  get(bucket: string, key: string): StoredObject | undefined {
    return this.buckets.get(bucket)?.get(key);
  }

  text(bucket: string, key: string): string | undefined {
    return this.get(bucket, key)?.body.toString("utf8");
  }

  keys(bucket: string, prefix = ""): string[] {
    return [...(this.buckets.get(bucket)?.keys() ?? [])].filter((k) => k.startsWith(prefix)).sort();
  }

  /** Copies every file under `dir` into `bucket`, keyed by its path relative to `dir` (with `/`). */
  putTree(bucket: string, dir: string, prefix = ""): void {
    const walk = (d: string): void => {
      for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
        const full = path.join(d, entry.name);
        if (entry.isDirectory()) walk(full);
        else this.put(bucket, prefix + path.relative(dir, full).split(path.sep).join("/"), fs.readFileSync(full));
      }
    };
    if (fs.existsSync(dir)) walk(dir);
  }

  private bucket(name: string): Map<string, StoredObject> {
    let bucket = this.buckets.get(name);
    if (!bucket) {
      bucket = new Map();
      this.buckets.set(name, bucket);
    }
    return bucket;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const [, bucketName = "", ...rest] = url.pathname.split("/");
    const bucket = decodeURIComponent(bucketName);
    const key = rest.map(decodeURIComponent).join("/");
    const method = req.method ?? "GET";
    this.requests.push({ method, bucket, key });
    const error = (status: number, code: string, message: string): void => {
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message><Key>${xmlEscape(key)}</Key><BucketName>${xmlEscape(bucket)}</BucketName></Error>`;
      res.writeHead(status, { "content-type": "application/xml", "content-length": Buffer.byteLength(body) });
      res.end(method === "HEAD" ? undefined : body);
    };
    const raw = await readBody(req);
    const objects = this.buckets.get(bucket);
    if (!objects) return error(404, "NoSuchBucket", "The specified bucket does not exist");
    if (key === "") {
      if (method === "GET" && url.searchParams.get("list-type") === "2") return this.list(res, bucket, objects, url.searchParams);
      if (method === "GET" && url.searchParams.has("policy")) {
        const policy = this.policies.get(bucket);
        if (policy === undefined) return error(404, "NoSuchBucketPolicy", "The bucket policy does not exist");
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(policy) });
        return void res.end(policy);
      }
      if (method === "GET" && url.searchParams.has("publicAccessBlock")) {
        const block = this.publicAccessBlocks.get(bucket);
        if (block === undefined) return error(404, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found");
        const body =
          `<?xml version="1.0" encoding="UTF-8"?>\n<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
          Object.entries(block).map(([k, v]) => `<${k}>${v}</${k}>`).join("") +
          "</PublicAccessBlockConfiguration>";
        res.writeHead(200, { "content-type": "application/xml", "content-length": Buffer.byteLength(body) });
        return void res.end(body);
      }
      return error(400, "NotImplemented", `${method} on a bucket is not implemented by this fake`);
    }
    const existing = objects.get(key);
    switch (method) {
      case "PUT": {
        const ifNoneMatch = req.headers["if-none-match"];
        const ifMatch = req.headers["if-match"];
        if (ifNoneMatch === "*" && existing) return error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
        if (ifMatch !== undefined && existing?.etag !== ifMatch) return error(existing ? 412 : 404, existing ? "PreconditionFailed" : "NoSuchKey", "At least one of the pre-conditions you specified did not hold");
        const chunked = String(req.headers["content-encoding"] ?? "").includes("aws-chunked") || String(req.headers["x-amz-content-sha256"] ?? "").startsWith("STREAMING-");
        this.put(bucket, key, chunked ? decodeAwsChunked(raw) : raw, String(req.headers["content-type"] ?? "application/octet-stream"));
        res.writeHead(200, { etag: objects.get(key)!.etag, "content-length": 0 });
        return void res.end();
      }
      case "GET":
      case "HEAD": {
        if (!existing) return error(404, "NoSuchKey", "The specified key does not exist.");
        res.writeHead(200, { "content-type": existing.contentType, "content-length": existing.body.length, etag: existing.etag, "last-modified": existing.lastModified.toUTCString() });
        return void res.end(method === "HEAD" ? undefined : existing.body);
      }
      case "DELETE": {
        objects.delete(key);
        res.writeHead(204);
        return void res.end();
      }
      default:
        return error(405, "MethodNotAllowed", `${method} is not implemented by this fake`);
    }
  }

  private list(res: http.ServerResponse, bucket: string, objects: Map<string, StoredObject>, params: URLSearchParams): void {
    const prefix = params.get("prefix") ?? "";
    const delimiter = params.get("delimiter") ?? "";
    const maxKeys = Math.min(Number(params.get("max-keys") ?? 1000), 1000);
    const start = params.get("continuation-token") === null ? "" : Buffer.from(params.get("continuation-token")!, "base64").toString("utf8");
    const urlEncoded = params.get("encoding-type") === "url";
    const encode = (k: string): string => xmlEscape(urlEncoded ? encodeURIComponent(k).replace(/%2F/g, "/") : k);
    // Keys and common prefixes in one sorted stream, as S3 pages them.
    const entries: { key: string; prefix: boolean }[] = [];
    const seenPrefixes = new Set<string>();
    for (const k of [...objects.keys()].sort()) {
      if (!k.startsWith(prefix)) continue;
      const cut = delimiter === "" ? -1 : k.indexOf(delimiter, prefix.length);
      if (cut >= 0) {
        const common = k.slice(0, cut + delimiter.length);
        if (!seenPrefixes.has(common)) entries.push({ key: common, prefix: true });
        seenPrefixes.add(common);
      } else {
        entries.push({ key: k, prefix: false });
      }
    }
    const remaining = entries.filter((e) => e.key > start);
    const page = remaining.slice(0, maxKeys);
    const truncated = remaining.length > page.length;
    const contents = page.filter((e) => !e.prefix).map((e) => {
      const o = objects.get(e.key)!;
      return `<Contents><Key>${encode(e.key)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${xmlEscape(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
    });
    const commons = page.filter((e) => e.prefix).map((e) => `<CommonPrefixes><Prefix>${encode(e.key)}</Prefix></CommonPrefixes>`);
    const next = truncated ? `<NextContinuationToken>${Buffer.from(page[page.length - 1]!.key).toString("base64")}</NextContinuationToken>` : "";
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xmlEscape(bucket)}</Name><Prefix>${encode(prefix)}</Prefix>` +
      `<KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>${delimiter === "" ? "" : `<Delimiter>${xmlEscape(delimiter)}</Delimiter>`}${urlEncoded ? "<EncodingType>url</EncodingType>" : ""}` +
      `<IsTruncated>${truncated}</IsTruncated>${contents.join("")}${commons.join("")}${next}</ListBucketResult>`;
    res.writeHead(200, { "content-type": "application/xml", "content-length": Buffer.byteLength(body) });
    res.end(body);
  }
}
