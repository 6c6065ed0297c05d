import http.client
import json
import threading
import unittest

from avatar_training.errors import TrainingFailedError
from avatar_training.request import TrainingResponse
from avatar_training.server import TrainingService, make_server

from .support import request_document

MANIFEST = "s3://bucket/training/ana/is-0123456789abcdef/manifest.json"
OUTPUT = "s3://bucket/adapters/ana/v-0123456789ab/model.tar.gz"
BODY = json.dumps(request_document(MANIFEST, OUTPUT)).encode()


def fake_response(request):
    return TrainingResponse(
        subject_id=request.subject_id,
        image_set_id=request.image_set_id,
        model_version=request.model_version,
        adapter_package_uri=request.output_uri,
        adapter_bytes=1234,
        base_model=request.base_model,
        hyperparameters=request.config.to_hyperparameters(),
        timings={"downloadSeconds": 0.1, "classImagesSeconds": 0.0, "trainingSeconds": 1.0, "packagingSeconds": 0.2},
    )


class ServerTest(unittest.TestCase):
    def start(self, trainer):
        self.logged = []
        self.service = TrainingService(trainer, log=lambda message, **fields: self.logged.append(message))
        server = make_server(self.service, "127.0.0.1", 0)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 5)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        self.port = server.server_address[1]

    def call(self, method, path, body=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, json.loads(response.read() or b"null")
        finally:
            connection.close()

    def test_ping_is_503_until_ready_then_200(self):
        self.start(None)
        self.assertEqual(self.call("GET", "/ping"), (503, {"status": "starting"}))
        status, body = self.call("POST", "/invocations", BODY)
        self.assertEqual(status, 503)
        self.assertTrue(body["retryable"])
        self.service.set_ready(fake_response)
        self.assertEqual(self.call("GET", "/ping"), (200, {"status": "ok"}))

    def test_ping_reports_a_failed_start(self):
        self.start(None)
        self.service.set_failed("could not download base model")
        status, body = self.call("GET", "/ping")
        self.assertEqual((status, body["status"]), (503, "failed"))

    def test_success_returns_the_training_response(self):
        seen = []
        self.start(lambda request: seen.append(request) or fake_response(request))
        status, body = self.call("POST", "/invocations", BODY)
        self.assertEqual(status, 200)
        self.assertEqual(body["subjectId"], "ana")
        self.assertEqual(body["adapterPackageUri"], OUTPUT)
        self.assertEqual(body["adapterBytes"], 1234)
        self.assertEqual(body["hyperparameters"]["maxTrainSteps"], 500)
        self.assertEqual(set(body["timings"]), {"downloadSeconds", "classImagesSeconds", "trainingSeconds",
                                                "packagingSeconds"})
        self.assertEqual(seen[0].model_version, "v-0123456789ab")

    def test_bad_requests_are_400_and_not_retryable(self):
        self.start(fake_response)
        for body in [b"{oops", json.dumps(request_document(MANIFEST, OUTPUT, hyperparameters={"loraRank": 1})).encode(),
                     b""]:
            status, answer = self.call("POST", "/invocations", body)
            self.assertEqual(status, 400, answer)
            self.assertFalse(answer["retryable"])
            self.assertIn("error", answer)

    def test_training_failure_is_500_never_200(self):
        def fail(request):
            raise TrainingFailedError("loss became nan at step 12", retryable=False)

        self.start(fail)
        status, body = self.call("POST", "/invocations", BODY)
        self.assertEqual(status, 500)
        self.assertEqual(body["error"], "loss became nan at step 12")
        self.assertEqual(body["errorType"], "TrainingFailedError")
        self.assertFalse(body["retryable"])

    def test_unexpected_exception_is_500(self):
        def crash(request):
            raise RuntimeError("boom")

        self.start(crash)
        status, body = self.call("POST", "/invocations", BODY)
        self.assertEqual(status, 500)
        self.assertIn("boom", body["error"])
        self.assertIn("retryable", body)
        self.assertIn("training crashed", self.logged)

    def test_a_second_concurrent_request_is_503(self):
        entered, release = threading.Event(), threading.Event()

        def slow(request):
            entered.set()
            release.wait(10)
            return fake_response(request)

        self.start(slow)
        first = {}
        thread = threading.Thread(target=lambda: first.update(result=self.call("POST", "/invocations", BODY)))
        thread.start()
        self.assertTrue(entered.wait(5))
        try:
            status, body = self.call("POST", "/invocations", BODY)
            self.assertEqual(status, 503)
            self.assertTrue(body["retryable"])
            self.assertIn("busy", body["error"])
            self.assertEqual(self.call("GET", "/ping")[0], 200)
        finally:
            release.set()
            thread.join(10)
        self.assertEqual(first["result"][0], 200)
        self.assertEqual(self.call("POST", "/invocations", BODY)[0], 200)

    def test_unknown_routes_are_404(self):
        self.start(fake_response)
        self.assertEqual(self.call("GET", "/nothing")[0], 404)
        self.assertEqual(self.call("POST", "/ping", b"{}")[0], 404)


if __name__ == "__main__":
    unittest.main()
