#!/usr/bin/env python3
"""Checks the reference itself on the examples of Loki's LogQL documentation (the results the
documentation shows), so that run_cases.py compares vigied with a reference that agrees with
Loki where Loki says what it does."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import reference  # noqa: E402

T = 1714557600 * 10**9


def run(query, line, labels=None):
    """The (labels, line) of one entry after a log query's pipeline, or None if dropped."""
    streams = [(labels or {"job": "x"}, [(T, line)])]
    result = reference.evaluate(query, streams, "range", T, T, 60 * 10**9)
    if "error" in result:
        raise AssertionError(result)
    items = list(result["streams"].items())
    if not items:
        return None
    (key, entries), = items
    return dict(key), entries[0][1]


DOC_JSON = ('{"protocol":"HTTP/2.0","servers":["129.0.1.1","10.2.1.3"],"request":{"time":'
            '"6.032","method":"GET","host":"foo.grafana.net","size":"55","headers":{"Accept":'
            '"*/*","User-Agent":"curl/7.68.0"}},"response":{"status":401,"size":"228",'
            '"latency_seconds":"6.031"}}')


class ParserStages(unittest.TestCase):
    def test_json_flattens_nested_keys_and_skips_arrays(self):
        labels, _ = run('{job="x"} | json', DOC_JSON)
        self.assertEqual(labels, {
            "job": "x", "protocol": "HTTP/2.0", "request_time": "6.032",
            "request_method": "GET", "request_host": "foo.grafana.net", "request_size": "55",
            "request_headers_Accept": "*/*", "request_headers_User_Agent": "curl/7.68.0",
            "response_status": "401", "response_size": "228",
            "response_latency_seconds": "6.031"})

    def test_json_expressions(self):
        labels, _ = run('{job="x"} | json first_server="servers[0]", '
                        'ua="request.headers[\\"User-Agent\\"]"', DOC_JSON)
        self.assertEqual(labels, {"job": "x", "first_server": "129.0.1.1",
                                  "ua": "curl/7.68.0"})

    def test_json_error_keeps_the_line_and_labels_before_it(self):
        labels, line = run('{job="x"} | json', '{"a":"1","b":')
        self.assertEqual(labels["a"], "1")
        self.assertEqual(labels["__error__"], "JSONParserErr")
        self.assertEqual(line, '{"a":"1","b":')

    def test_collision_gets_extracted_suffix(self):
        labels, _ = run('{job="x"} | json', '{"job":"y","k":"v"}')
        self.assertEqual(labels, {"job": "x", "job_extracted": "y", "k": "v"})

    def test_logfmt(self):
        line = 'at=info method=GET path=/ host=grafana.net fwd="124.133.124.161" service=8ms status=200'
        labels, _ = run('{job="x"} | logfmt', line)
        self.assertEqual(labels, {"job": "x", "at": "info", "method": "GET", "path": "/",
                                  "host": "grafana.net", "fwd": "124.133.124.161",
                                  "service": "8ms", "status": "200"})

    def test_logfmt_flags(self):
        line = 'a=1 bare b= c="x y" d=2=3 e=5'
        self.assertEqual(run('{job="x"} | logfmt', line)[0],
                         {"job": "x", "a": "1", "c": "x y", "e": "5"})
        self.assertEqual(run('{job="x"} | logfmt --keep-empty', line)[0],
                         {"job": "x", "a": "1", "bare": "", "b": "", "c": "x y", "e": "5"})
        strict = run('{job="x"} | logfmt --strict', line)[0]
        self.assertEqual(strict["__error__"], "LogfmtParserErr")
        self.assertNotIn("e", strict)

    def test_pattern(self):
        line = ('0.191.12.2 - - [10/Jun/2021:09:14:29 +0000] "GET /api/plugins/versioncheck '
                'HTTP/1.1" 200 2 "-" "Go-http-client/2.0" "13.76.247.102, 34.120.177.193" '
                '"TLSv1.2" "US" ""')
        labels, _ = run('{job="x"} | pattern `<ip> - - <_> "<method> <uri> <_>" <status> '
                        '<size> <_> "<agent>" <_>`', line)
        self.assertEqual(labels, {"job": "x", "ip": "0.191.12.2", "method": "GET",
                                  "uri": "/api/plugins/versioncheck", "status": "200",
                                  "size": "2", "agent": "Go-http-client/2.0"})

    def test_regexp(self):
        labels, _ = run('{job="x"} | regexp `(?P<method>\\w+) (?P<path>[\\w|/]+) '
                        '\\((?P<status>\\d+?)\\) (?P<duration>.*)`',
                        'POST /api/prom/api/v1/query_range (200) 1.5s')
        self.assertEqual(labels, {"job": "x", "method": "POST",
                                  "path": "/api/prom/api/v1/query_range", "status": "200",
                                  "duration": "1.5s"})

    def test_unpack(self):
        labels, line = run('{job="x"} | unpack',
                           '{"container":"myapp","pod":"pod-3223f","_entry":"original log"}')
        self.assertEqual(labels, {"job": "x", "container": "myapp", "pod": "pod-3223f"})
        self.assertEqual(line, "original log")


class LabelFiltersAndFormatting(unittest.TestCase):
    LINE = 'level=debug ts=2020 caller=x duration=1.5s size=20kB method=GET status=500'

    def test_numeric_duration_and_bytes(self):
        q = '{job="x"} | logfmt | duration >= 20ms or size == 20kb and method!~"2.."'
        self.assertIsNotNone(run(q, self.LINE))
        self.assertIsNone(run('{job="x"} | logfmt | status < 500', self.LINE))
        self.assertIsNotNone(run('{job="x"} | logfmt | size > 19KiB', self.LINE))

    def test_errors_pass_numeric_filters(self):
        labels, _ = run('{job="x"} | logfmt | method > 1', self.LINE)
        self.assertEqual(labels["__error__"], "LabelFilterErr")

    def test_line_format_and_label_format(self):
        _, line = run('{job="x"} | logfmt | line_format "{{.method | ToLower}} '
                      '{{ printf \\"%04s\\" .status }} {{ .missing }}"', self.LINE)
        self.assertEqual(line, "get  500 ")  # missingkey=zero over map[string]string
        labels, _ = run('{job="x"} | logfmt | label_format m=method, s=`{{.status}}x` '
                        '| keep m, s', self.LINE)
        self.assertEqual(labels, {"m": "GET", "s": "500x"})

    def test_decolorize(self):
        _, line = run('{job="x"} | decolorize', "\x1b[31mred\x1b[0m text")
        self.assertEqual(line, "red text")


class Metrics(unittest.TestCase):
    def test_quantile_interpolates(self):
        self.assertEqual(reference.prom_quantile(0.5, [1, 2, 3, 4]), 2.5)
        self.assertEqual(reference.prom_quantile(0.99, [10]), 10)

    def test_window_is_open_on_the_left(self):
        streams = [({"job": "x"}, [(T, "a"), (T + 60 * 10**9, "b")])]
        result = reference.evaluate('count_over_time({job="x"}[1m])', streams, "range",
                                    T, T + 60 * 10**9, 60 * 10**9)
        self.assertEqual(result["matrix"][(("job", "x"),)], [(T, 1.0), (T + 60 * 10**9, 1.0)])

    def test_precedence(self):
        streams = [({"job": "x"}, [(T, "a")])]
        # 2 * 1 + 3 ^ (2 ^ 0.5) = 6.73; left-associative ^ would give 5
        q = '2 * sum(count_over_time({job="x"}[1m])) + 3 ^ 2 ^ 0.5 > bool 6'
        result = reference.evaluate(q, streams, "instant", T, T, 1)
        self.assertEqual(result["vector"], [((), 1.0)])

    def test_parser_hints(self):
        # Loki's "no labels" hint: sum() without grouping drops the labels, so | json does not
        # run; with a label read after it, it stops once it has the label.
        streams = [({"job": "x"}, [(T, '{"level":"error","n":1'), (T + 1, "not json")])]

        def instant(q):
            return reference.evaluate(q, streams, "instant", T + 2, T + 2, 1)

        self.assertEqual(instant('sum(count_over_time({job="x"} | json [1m]))')["vector"],
                         [((), 2.0)])
        self.assertEqual(instant('sum(bytes_over_time({job="x"} | json | keep level [1m]))')
                         ["vector"], [((), 30.0)])
        self.assertEqual(instant('sum(count_over_time({job="x"} | json | level="error" [1m]))')
                         ["vector"], [((), 1.0)])
        for q in ['count_over_time({job="x"} | json [1m])',
                  'sum by (job) (count_over_time({job="x"} | json [1m]))',
                  'sum(count_over_time({job="x"} | json | __error__!="x" [1m]))',
                  'sum(count_over_time({job="x"} | json | line_format "{{.n}}" [1m]))']:
            self.assertEqual(instant(q).get("error"), "JSONParserErr", q)

    def test_parse_errors(self):
        for q in ['sum_over_time({job="x"}[1m])', '{job="x"} | regexp "(a)"',
                  'count_over_time({job="x"}[1m]) by (a)', '{job=""}']:
            self.assertEqual(reference.evaluate(q, [], "range", T, T, 1)["error"], "parse", q)


if __name__ == "__main__":
    unittest.main()
