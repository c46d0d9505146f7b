//! Sending one request: its attempts, the waits between them (`Retry-After`, reset
//! headers, exponential backoff), the budget's permits, and its log lines.

use std::collections::BTreeSet;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::HeaderValue;

use super::rate_limit::is_retryable;
use super::redact::is_secret_name;
use super::{
    Auth, Call, HttpClient, Response, RetryPolicy, pacing, redact_url, requested_delay, requests,
};
use crate::adapters::{AdapterError, FailureKind};

/// What went wrong with one attempt that got no response.
struct TransportFailure {
    message: String,
    retryable: bool,
}

impl HttpClient {
    /// Sends a request, retrying transient failures, and returns the response whatever
    /// its status. Err only when no response came (connection, timeout) after every
    /// attempt, or when the tenant kept answering 5xx/429 until the budget ran out, in
    /// which case the last response is returned for the adapter to map.
    pub fn send(&self, operation: &str, call: &Call) -> Result<Response, AdapterError> {
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let permit = self.budget.acquire();
            let result = self.send_once(call, attempt);
            let (reason, asked) = match result {
                Ok(mut response) => {
                    if !is_retryable(&response) {
                        permit.accepted();
                        drop(permit);
                        if let Some(wait) = pacing(&response.headers, SystemTime::now()) {
                            // The tenant says its window is nearly used up: slow down
                            // before it answers 429.
                            self.budget.pause_until(Instant::now() + self.scaled(wait));
                        }
                        response.attempts = attempt;
                        return Ok(response);
                    }
                    let asked = requested_delay(&response.headers, SystemTime::now());
                    (format!("HTTP {}", response.status), (asked, Some(response)))
                }
                Err(failure) if failure.retryable => (failure.message, (None, None)),
                Err(failure) => {
                    return Err(self.error(operation, FailureKind::Unreachable, failure.message));
                }
            };
            let (asked, last_response) = asked;
            let delay = self.scaled(asked.unwrap_or_else(|| self.retry.backoff(attempt)));
            if asked.is_some() {
                // The tenant said when to come back: every request to it waits, and its
                // budget learns the tenant's rate.
                permit.throttled(Instant::now() + delay);
            }
            drop(permit);
            let give_up = attempt >= self.retry.max_attempts
                || started.elapsed() + delay > self.scaled(self.retry.retry_budget);
            if give_up {
                return match last_response {
                    Some(mut response) => {
                        response.attempts = attempt;
                        Ok(response)
                    }
                    None => Err(self
                        .error(
                            operation,
                            FailureKind::Unreachable,
                            if attempt > 1 {
                                format!("{reason} (after {attempt} attempts)")
                            } else {
                                reason
                            },
                        )
                        .with_hint("check that the tenant's `endpoint` is reachable from here, then run again")),
                };
            }
            self.log(&format!(
                "http {}: {reason}; retrying {} {} in {} (attempt {} of {})",
                self.tenant,
                call.method,
                redact_url(&call.url),
                crate::model::time::format_duration(delay),
                attempt + 1,
                self.retry.max_attempts
            ));
            std::thread::sleep(delay);
            attempt += 1;
        }
    }

    fn send_once(&self, call: &Call, attempt: u32) -> Result<Response, TransportFailure> {
        let mut request = self.inner.request(call.method.clone(), call.url.clone());
        let mut logged_headers = BTreeSet::new();
        for (name, value) in &call.headers {
            let value = HeaderValue::from_str(value).map_err(|_| TransportFailure {
                message: format!("the header `{name}` has a value that cannot be sent"),
                retryable: false,
            })?;
            logged_headers.insert(if is_secret_name(name.as_str()) {
                format!("{name}: [redacted]")
            } else {
                format!("{name}: {}", value.to_str().unwrap_or("…"))
            });
            request = request.header(name, value);
        }
        if let Some(auth) = &self.auth {
            let (name, value) = match auth {
                Auth::Bearer(token) => (
                    reqwest::header::AUTHORIZATION,
                    format!("Bearer {}", token.expose()),
                ),
                Auth::Header {
                    name,
                    scheme,
                    value,
                } => {
                    let text = if scheme.is_empty() {
                        value.expose().to_string()
                    } else {
                        format!("{scheme} {}", value.expose())
                    };
                    (name.clone(), text)
                }
            };
            let mut value = HeaderValue::from_str(&value).map_err(|_| TransportFailure {
                message: "the credential contains characters that cannot be sent in a header"
                    .into(),
                retryable: false,
            })?;
            value.set_sensitive(true);
            logged_headers.insert(format!("{name}: [redacted]"));
            request = request.header(name, value);
        }
        if let Some(body) = &call.body {
            request = request.body(body.clone());
        }
        let url = redact_url(&call.url);
        self.log(&format!(
            "http {}: > {} {url} [{}]{}",
            self.tenant,
            call.method,
            logged_headers.into_iter().collect::<Vec<_>>().join(", "),
            if attempt > 1 {
                format!(" (attempt {attempt})")
            } else {
                String::new()
            }
        ));
        if let Some(kind) = self.kind {
            requests().made(kind);
        }
        let started = Instant::now();
        let outcome = request.send().and_then(|response| {
            let status = response.status();
            let headers = response.headers().clone();
            response.bytes().map(|body| Response {
                status,
                headers,
                body: body.to_vec(),
                attempts: attempt,
            })
        });
        match outcome {
            Ok(response) => {
                self.log(&format!(
                    "http {}: < {} {url}: {} in {}, {} bytes",
                    self.tenant,
                    call.method,
                    response.status,
                    crate::model::time::format_duration(started.elapsed()),
                    response.body.len()
                ));
                Ok(response)
            }
            Err(error) => {
                let failure = describe_transport(&error, &self.retry);
                self.log(&format!(
                    "http {}: < {} {url}: {} after {}",
                    self.tenant,
                    call.method,
                    failure.message,
                    crate::model::time::format_duration(started.elapsed())
                ));
                Err(failure)
            }
        }
    }

    fn log(&self, line: &str) {
        if let Some(log) = &self.log {
            log(line);
        }
    }

    /// Returns a wait shortened by the retry scale (1, so unchanged, but in a test build).
    pub fn scaled(&self, delay: Duration) -> Duration {
        delay.mul_f64(self.scale)
    }
}

pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn describe_transport(error: &reqwest::Error, retry: &RetryPolicy) -> TransportFailure {
    if error.is_timeout() {
        return TransportFailure {
            message: format!(
                "no answer within {} (timed out)",
                crate::model::time::format_duration(retry.timeout)
            ),
            retryable: true,
        };
    }
    // The URL is left out: the caller logs it redacted.
    let detail = match std::error::Error::source(error) {
        Some(source) => error_chain(source),
        None => error.to_string(),
    };
    if error.is_connect() {
        return TransportFailure {
            message: format!("cannot connect: {detail}"),
            retryable: true,
        };
    }
    TransportFailure {
        message: format!("the connection failed: {detail}"),
        retryable: error.is_request() || error.is_body(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    use super::super::ClientSettings;

    /// The answers a test server gave: when, and which status.
    type Answers = Arc<Mutex<Vec<(Instant, u16)>>>;

    /// A loopback server that allows `limit` requests per one-second window (the window
    /// starts at the first request after the last one ended) and answers 429 with
    /// `Retry-After: 1` beyond; it records each answer's status and time.
    fn rate_limited_server(limit: usize) -> (u16, Answers) {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let answers: Answers = Arc::default();
        let window: Arc<Mutex<Option<(Instant, usize)>>> = Arc::default();
        let recorded = answers.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (answers, window) = (recorded.clone(), window.clone());
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut stream = stream;
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        while line.trim_end() != "" {
                            line.clear();
                            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                                return;
                            }
                        }
                        let now = Instant::now();
                        let status = {
                            let mut window = window.lock().unwrap();
                            let (start, n) = match *window {
                                Some((start, n)) if now - start < Duration::from_secs(1) => {
                                    (start, n + 1)
                                }
                                _ => (now, 1),
                            };
                            *window = Some((start, n));
                            if n > limit { 429 } else { 200 }
                        };
                        answers.lock().unwrap().push((now, status));
                        let reply = format!(
                            "HTTP/1.1 {status} X\r\nContent-Length: 2\r\nRetry-After: 1\r\n\r\n{{}}"
                        );
                        if stream.write_all(reply.as_bytes()).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (port, answers)
    }

    #[test]
    fn after_its_first_429_a_tenant_is_paced_and_throttles_no_more() {
        const LIMIT: usize = 20;
        let (port, answers) = rate_limited_server(LIMIT);
        let max_concurrent = 4;
        let client = HttpClient::new(
            "learn-rate/scim",
            &format!("http://127.0.0.1:{port}/"),
            ClientSettings {
                retry: RetryPolicy {
                    max_concurrent,
                    min_interval: Duration::from_millis(1),
                    ..RetryPolicy::default()
                },
                ..ClientSettings::default()
            },
        )
        .unwrap();
        std::thread::scope(|scope| {
            for _ in 0..max_concurrent {
                scope.spawn(|| {
                    for _ in 0..(3 * LIMIT / max_concurrent) {
                        let response = client.send("read", &Call::get(client.url(&["x"]))).unwrap();
                        assert_eq!(response.status.as_u16(), 200);
                    }
                });
            }
        });
        let answers = answers.lock().unwrap().clone();
        let throttled: Vec<Instant> = answers
            .iter()
            .filter(|(_, status)| *status == 429)
            .map(|(at, _)| *at)
            .collect();
        let first = *throttled.first().expect("the burst is throttled once");
        // Only the requests already in flight when the first 429 came are throttled: none
        // after the tenant's first window.
        assert!(
            throttled.len() <= max_concurrent,
            "{} 429s",
            throttled.len()
        );
        assert!(
            throttled
                .iter()
                .all(|at| *at - first < Duration::from_millis(500)),
            "a 429 after the first window: {throttled:?}"
        );
        let learned = client.budget.learned();
        assert!(
            learned >= Duration::from_secs(1) / LIMIT as u32,
            "learned {learned:?}"
        );
    }
}
