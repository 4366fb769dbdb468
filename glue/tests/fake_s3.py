"""An in-memory S3 with the calls the jobs make, conditional writes included (If-None-Match, If-Match)."""
import hashlib
import io
import threading


class ClientError(Exception):
    """Shaped like botocore's: the error code under response["Error"]["Code"]."""

    def __init__(self, code, message=""):
        super().__init__(f"{code}: {message}")
        self.response = {"Error": {"Code": code, "Message": message}}


class _Paginator:
    def __init__(self, s3):
        self.s3 = s3

    def paginate(self, Bucket, Prefix=""):
        keys = sorted(k for k in self.s3.objects.get(Bucket, {}) if k.startswith(Prefix))
        for start in range(0, max(len(keys), 1), 2):  # tiny pages, so callers must follow them
            yield {"Contents": [{"Key": k} for k in keys[start:start + 2]]} if keys else {}


class FakeS3:
    def __init__(self):
        self.objects = {}
        self.lock = threading.Lock()
        self.calls = []
        # Called with (operation, key) before each write; a test raises from it to inject a failure.
        self.before_write = None

    def _write(self, operation, bucket, key):
        self.calls.append((operation, bucket, key))
        if self.before_write is not None:
            self.before_write(operation, key)

    @staticmethod
    def _etag(body):
        return '"' + hashlib.md5(body).hexdigest() + '"'

    def put_object(self, Bucket, Key, Body=b"", IfNoneMatch=None, IfMatch=None, **_):
        body = Body if isinstance(Body, bytes) else Body.encode("utf-8")
        self._write("put", Bucket, Key)
        with self.lock:
            bucket = self.objects.setdefault(Bucket, {})
            if IfNoneMatch == "*" and Key in bucket:
                raise ClientError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
            if IfMatch is not None and (Key not in bucket or self._etag(bucket[Key]) != IfMatch):
                raise ClientError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
            bucket[Key] = body
        return {"ETag": self._etag(body)}

    def get_object(self, Bucket, Key, Range=None):
        with self.lock:
            if Key not in self.objects.get(Bucket, {}):
                raise ClientError("NoSuchKey", Key)
            body = self.objects[Bucket][Key]
        if Range is not None:
            first, last = Range[len("bytes="):].split("-")
            body = body[int(first):int(last) + 1]
        return {"Body": io.BytesIO(body), "ETag": self._etag(self.objects[Bucket][Key])}

    def copy(self, CopySource, Bucket, Key):
        self._write("copy", Bucket, Key)
        with self.lock:
            self.objects.setdefault(Bucket, {})[Key] = self.objects[CopySource["Bucket"]][CopySource["Key"]]

    def delete_object(self, Bucket, Key):
        self._write("delete", Bucket, Key)
        with self.lock:
            self.objects.get(Bucket, {}).pop(Key, None)

    def get_paginator(self, name):
        assert name == "list_objects_v2"
        return _Paginator(self)

    def keys(self, bucket, prefix=""):
        return sorted(k for k in self.objects.get(bucket, {}) if k.startswith(prefix))
