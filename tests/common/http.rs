//! One small blocking HTTP/1.1 client over `TcpStream`, for the tests that talk to real
//! processes (the crash test to the server; the browser test to the server and to
//! chromedriver), and `free_port` for starting them.
//!
//! One request per connection (`Connection: close`). `Ok` means the whole response was read:
//! the head, then exactly the body its `Content-Length` or chunked encoding announced (the
//! connection may stay open after it). Anything refused, reset, cut off or timed out is an
//! `Err` — which is what lets the crash test count a write as acknowledged only when its
//! whole response was read.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::Value;

use super::rng::Rng;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// For each read and write (chromedriver may take a while to start the browser).
const IO_TIMEOUT: Duration = Duration::from_secs(120);

pub struct Response {
    pub status: u16,
    /// The header fields, names in lower case, in the order they came.
    pub headers: Vec<(String, String)>,
    /// The body, dechunked.
    pub body: Vec<u8>,
}

impl Response {
    /// The first header field called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON; `Null` when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The start of the body (300 bytes at most), for messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body[..self.body.len().min(300)]).into_owned()
    }
}

fn bad(msg: impl Into<String>) -> std::io::Error {
    std::io::Error::new(ErrorKind::InvalidData, msg.into())
}

fn cut_off(msg: impl Into<String>) -> std::io::Error {
    std::io::Error::new(ErrorKind::UnexpectedEof, msg.into())
}

/// Sends one request to `addr` (`"127.0.0.1:PORT"`) and reads the whole response.
///
/// `Host` and `Connection: close` are sent first, then `headers`, then `Content-Length` when
/// there is a body or the method is not GET.
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Response> {
    let to = addr
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| bad(format!("{addr} is no address")))?;
    let mut s = TcpStream::connect_timeout(&to, CONNECT_TIMEOUT)?;
    s.set_read_timeout(Some(IO_TIMEOUT))?;
    s.set_write_timeout(Some(IO_TIMEOUT))?;
    s.set_nodelay(true)?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method != "GET" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut req = head.into_bytes();
    req.extend_from_slice(body);
    s.write_all(&req)?;
    read_response(&mut s)
}

/// Reads more of the response into `into`; `false` at the end of the stream.
fn read_more(s: &mut TcpStream, into: &mut Vec<u8>) -> std::io::Result<bool> {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return Ok(false),
            Ok(n) => {
                into.extend_from_slice(&buf[..n]);
                return Ok(true);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

fn read_response(s: &mut TcpStream) -> std::io::Result<Response> {
    let mut raw = Vec::new();
    let end = loop {
        if let Some(p) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        if !read_more(s, &mut raw)? {
            return Err(cut_off(format!("no complete head in {} bytes", raw.len())));
        }
    };
    let head = std::str::from_utf8(&raw[..end]).map_err(|_| bad("head not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad(format!("bad status line {status_line:?}")))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    let mut length = None;
    let mut chunked = false;
    for (name, value) in &headers {
        if name == "content-length" {
            length = Some(
                value
                    .parse::<usize>()
                    .map_err(|_| bad("bad content-length"))?,
            );
        } else if name == "transfer-encoding" && value.eq_ignore_ascii_case("chunked") {
            chunked = true;
        }
    }
    let mut rest = raw.split_off(end + 4);
    let body = if chunked {
        loop {
            match dechunk(&rest) {
                Err(e) if e.kind() == ErrorKind::UnexpectedEof => {
                    if !read_more(s, &mut rest)? {
                        return Err(e);
                    }
                }
                done => break done?,
            }
        }
    } else if let Some(n) = length {
        while rest.len() < n {
            if !read_more(s, &mut rest)? {
                return Err(cut_off(format!(
                    "body cut off: {} of {n} bytes",
                    rest.len()
                )));
            }
        }
        rest.truncate(n);
        rest
    } else if status == 204 || status == 304 {
        Vec::new()
    } else {
        // Its end could not be told from a cut-off.
        return Err(bad("a response without a length"));
    };
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// The body of a chunked message; an `UnexpectedEof` error when `rest` stops before the last
/// (empty) chunk, `InvalidData` when a chunk size is not hex.
pub fn dechunk(mut rest: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| cut_off("chunk size cut off"))?;
        let size = std::str::from_utf8(&rest[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok())
            .ok_or_else(|| bad("bad chunk size"))?;
        rest = &rest[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        if rest.len() < size + 2 {
            return Err(cut_off("chunk cut off"));
        }
        out.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

/// A port on 127.0.0.1 that was free a moment ago, below 32768: Linux gives the ports from
/// 32768 up to outgoing connections, so one from there could be taken by a client socket
/// (the crash test opens thousands) before the server binds it.
pub fn free_port() -> u16 {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut rng = Rng::new(
        nanos ^ (u64::from(std::process::id()) << 32) ^ CALLS.fetch_add(1, Ordering::Relaxed),
    );
    // `JALIN_TEST_PORTS=21000-21099` keeps a test run inside a range of its own (several
    // runs sharing a machine).
    let (lo, hi) = std::env::var("JALIN_TEST_PORTS")
        .ok()
        .and_then(|r| {
            let (a, b) = r.split_once('-')?;
            let (a, b) = (a.trim().parse::<u16>().ok()?, b.trim().parse::<u16>().ok()?);
            (a <= b).then_some((a, b))
        })
        .unwrap_or((20_000, 32_767));
    for _ in 0..1000 {
        let port = lo + rng.below(usize::from(hi - lo) + 1) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port in {lo}..={hi} after 1000 tries")
}
