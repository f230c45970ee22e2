//! Just enough of an HTTP/1.1 client for xtask's own checks on loopback: a request, a status, the
//! headers and the body. xtask has no dependencies (it is the first thing a new machine builds),
//! and its peers are our own server and nginx, so one connection per request (`Connection:
//! close`) and a `Content-Length` body is all it needs.

use crate::Result;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// One answer.
pub struct Answer {
    pub status: u16,
    /// Header lines as sent, names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    /// The first header of that (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One request: `method path`, extra header lines (`"Name: value"`), an optional body (JSON
/// unless the headers name another `Content-Type`).
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub headers: &'a [String],
    pub body: Option<&'a str>,
}

impl<'a> Request<'a> {
    pub fn get(path: &'a str) -> Self {
        Request {
            method: "GET",
            path,
            headers: &[],
            body: None,
        }
    }
}

/// Sends `request` to `addr` and reads the whole answer, giving up after `timeout` of silence.
pub fn send(addr: SocketAddr, request: &Request, timeout: Duration) -> Result<Answer> {
    let mut stream =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| e.to_string())?;
    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n",
        request.method, request.path
    );
    for line in request.headers {
        head.push_str(line);
        head.push_str("\r\n");
    }
    if let Some(body) = request.body {
        let typed = request
            .headers
            .iter()
            .any(|line| line.to_ascii_lowercase().starts_with("content-type:"));
        if !typed {
            head.push_str("Content-Type: application/json\r\n");
        }
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    head.push_str(request.body.unwrap_or_default());
    stream
        .write_all(head.as_bytes())
        .map_err(|e| format!("{} {} to {addr}: {e}", request.method, request.path))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .map_err(|e| format!("{} {} to {addr}: {e}", request.method, request.path))?;
    parse(&raw).ok_or_else(|| {
        format!(
            "{} {} to {addr}: not an HTTP answer: {:?}",
            request.method,
            request.path,
            String::from_utf8_lossy(&raw[..raw.len().min(200)])
        )
    })
}

/// A plain GET, failing unless the answer is 200.
pub fn get_ok(addr: SocketAddr, path: &str) -> Result<Answer> {
    let answer = send(addr, &Request::get(path), Duration::from_secs(30))?;
    if answer.status == 200 {
        Ok(answer)
    } else {
        Err(format!(
            "GET {path} answered {}: {}",
            answer.status,
            answer.body.chars().take(200).collect::<String>()
        ))
    }
}

fn parse(raw: &[u8]) -> Option<Answer> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let body = if chunked {
        unchunk(body)?
    } else {
        body.to_owned()
    };
    Some(Answer {
        status,
        headers,
        body,
    })
}

/// The body of a chunked answer (nginx sends one when the upstream's length is not known).
fn unchunk(mut rest: &str) -> Option<String> {
    let mut body = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n")?;
        let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        if size == 0 {
            return Some(body);
        }
        body.push_str(after.get(..size)?);
        rest = after.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn a_chunked_answer_is_joined_and_headers_are_found_by_lower_case_name() {
        let raw = b"HTTP/1.1 200 OK\r\nX-Served-By: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        let answer = parse(raw).expect("an answer");
        assert_eq!(answer.status, 200);
        assert_eq!(answer.header("x-served-by"), Some("a"));
        assert_eq!(answer.body, "abcde");
    }

    #[test]
    fn a_truncated_answer_is_not_taken_for_a_whole_one() {
        assert!(parse(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n").is_none());
        assert!(parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab").is_none());
    }
}
