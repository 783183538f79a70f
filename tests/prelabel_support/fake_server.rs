//! A tiny HTTP/1.1 server for the pre-labelling tests and benchmark: no network beyond
//! 127.0.0.1, no dependencies. Each connection gets a thread and may carry many requests
//! (keep-alive, as ureq pools connections). A handler decides each answer (status, headers,
//! body, delay); every request is logged with its arrival time so tests can check what was
//! sent, how often and when.
#![allow(dead_code)] // each test crate uses part of it

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct FakeRequest {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub arrived: Instant,
}

impl FakeRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The task object Gloss sent: the JSON after "Task:\n" in the user message (OpenAI or
    /// Anthropic shape).
    pub fn task(&self) -> serde_json::Value {
        let body = self.json();
        let user = body["messages"]
            .as_array()
            .and_then(|messages| messages.iter().find(|message| message["role"] == "user"))
            .map(|message| &message["content"])
            // A string, or (with images) an array of parts, one of them the text.
            .and_then(|content| {
                content.as_str().or_else(|| {
                    content
                        .as_array()?
                        .iter()
                        .find_map(|part| part["text"].as_str())
                })
            })
            .unwrap_or_default()
            .to_owned();
        let json = user.split_once("Task:\n").map_or("", |(_, rest)| rest);
        serde_json::from_str(json).unwrap_or(serde_json::Value::Null)
    }

    /// The system prompt Gloss sent.
    pub fn system_prompt(&self) -> String {
        let body = self.json();
        if let Some(system) = body["system"].as_str() {
            return system.to_owned();
        }
        body["messages"][0]["content"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

#[derive(Debug, Clone)]
pub struct FakeResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// How long to wait before answering (model latency, or a hang past the client's timeout).
    pub delay: Duration,
}

impl FakeResponse {
    pub fn json(status: u16, body: serde_json::Value) -> FakeResponse {
        FakeResponse {
            status,
            headers: Vec::new(),
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    /// An OpenAI Chat Completions answer whose message content is `content`.
    pub fn openai(content: &str) -> FakeResponse {
        FakeResponse::json(
            200,
            serde_json::json!({
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
            }),
        )
    }

    /// An Anthropic Messages answer that calls the answer tool with `input`.
    pub fn anthropic_tool(input: serde_json::Value) -> FakeResponse {
        FakeResponse::json(
            200,
            serde_json::json!({
                "id": "msg_fake", "type": "message", "role": "assistant",
                "content": [{"type": "tool_use", "id": "toolu_1", "name": "record_labels", "input": input}],
                "stop_reason": "tool_use",
                "usage": {"input_tokens": 200, "output_tokens": 40},
            }),
        )
    }

    pub fn with_header(mut self, name: &str, value: &str) -> FakeResponse {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn with_delay(mut self, delay: Duration) -> FakeResponse {
        self.delay = delay;
        self
    }
}

type Handler = dyn Fn(&FakeRequest) -> FakeResponse + Send + Sync;

pub struct FakeServer {
    pub base_url: String,
    pub requests: Arc<Mutex<Vec<FakeRequest>>>,
    stopping: Arc<AtomicBool>,
    address: std::net::SocketAddr,
}

impl FakeServer {
    pub fn start(
        handler: impl Fn(&FakeRequest) -> FakeResponse + Send + Sync + 'static,
    ) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1");
        let address = listener.local_addr().expect("local address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stopping = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        {
            let requests = Arc::clone(&requests);
            let stopping = Arc::clone(&stopping);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stopping.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    let requests = Arc::clone(&requests);
                    let handler = Arc::clone(&handler);
                    let stopping = Arc::clone(&stopping);
                    std::thread::spawn(move || {
                        serve_connection(stream, &*handler, &requests, &stopping)
                    });
                }
            });
        }
        FakeServer {
            base_url: format!("http://{address}/v1"),
            requests,
            stopping,
            address,
        }
    }

    pub fn requests(&self) -> Vec<FakeRequest> {
        self.requests.lock().unwrap().clone()
    }

    /// Requests to a path ending in `suffix` (`/chat/completions`, `/messages`, `/models`).
    pub fn requests_to(&self, suffix: &str) -> Vec<FakeRequest> {
        self.requests()
            .into_iter()
            .filter(|request| request.path.ends_with(suffix))
            .collect()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.address);
    }
}

fn serve_connection(
    stream: TcpStream,
    handler: &Handler,
    requests: &Mutex<Vec<FakeRequest>>,
    stopping: &AtomicBool,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    // Without this, Nagle's algorithm and the client's delayed ACK add ~40 ms to answers.
    let _ = stream.set_nodelay(true);
    let mut writer = match stream.try_clone() {
        Ok(writer) => writer,
        Err(_) => return,
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        // Between requests the connection idles; wake up now and then to see if we are stopping.
        loop {
            match reader.read_line(&mut request_line) {
                Ok(0) => return,
                Ok(_) => break,
                Err(error)
                    if matches!(
                        error.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    if stopping.load(Ordering::SeqCst) {
                        return;
                    }
                }
                Err(_) => return,
            }
        }
        let arrived = Instant::now();
        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_owned();
        let path = parts.next().unwrap_or_default().to_owned();
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            if !read_line_patiently(&mut reader, &mut line) {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_owned(), value.trim().to_owned()));
            }
        }
        let length: usize = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, value)| value.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; length];
        let mut read = 0;
        while read < length {
            match reader.read(&mut body[read..]) {
                Ok(0) => return,
                Ok(n) => read += n,
                Err(error)
                    if matches!(
                        error.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => return,
            }
        }
        let request = FakeRequest {
            method,
            path,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            arrived,
        };
        requests.lock().unwrap().push(request.clone());
        let response = handler(&request);
        if !response.delay.is_zero() {
            std::thread::sleep(response.delay);
        }
        let mut head = format!(
            "HTTP/1.1 {} Fake\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: keep-alive\r\n",
            response.status,
            response.body.len()
        );
        for (name, value) in &response.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        head.push_str(&response.body);
        if writer.write_all(head.as_bytes()).is_err() || writer.flush().is_err() {
            return;
        }
    }
}

fn read_line_patiently(reader: &mut BufReader<TcpStream>, line: &mut String) -> bool {
    loop {
        match reader.read_line(line) {
            Ok(0) => return false,
            Ok(_) => return true,
            Err(error)
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return false,
        }
    }
}
