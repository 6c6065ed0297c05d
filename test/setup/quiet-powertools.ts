// Runs before each test file imports anything: Powertools reads its environment when its Logger, Metrics and
// Tracer are created (at module load). Tests assert on what handlers return and on SDK calls, not on log lines,
// so by default they print none: no EMF metrics JSON (POWERTOOLS_METRICS_DISABLED), no log lines or metrics
// warnings such as "No application metrics to publish" (POWERTOOLS_LOG_LEVEL, which the Metrics' logger follows),
// no X-Ray segments. A test that wants them sets the variable itself.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
