//! A REST answer (status, JSON body, headers) and Discord's common error answers.

use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

pub(super) struct Reply {
    pub(super) status: u16,
    pub(super) body: Option<Value>,
    pub(super) headers: Vec<(String, String)>,
}

impl Reply {
    pub(super) fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    pub(super) fn no_content() -> Reply {
        Reply {
            status: 204,
            body: None,
            headers: Vec::new(),
        }
    }

    pub(super) fn error(status: u16, code: i64, message: &str) -> Reply {
        Reply::json(status, json!({ "message": message, "code": code }))
    }

    pub(super) fn not_found() -> Reply {
        Reply::error(404, 0, "404: Not Found")
    }

    pub(super) fn unknown_channel() -> Reply {
        Reply::error(404, 10003, "Unknown Channel")
    }

    pub(super) fn unknown_message() -> Reply {
        Reply::error(404, 10008, "Unknown Message")
    }

    pub(super) fn unknown_webhook() -> Reply {
        Reply::error(404, 10015, "Unknown Webhook")
    }

    pub(super) fn unknown_interaction() -> Reply {
        Reply::error(404, 10062, "Unknown interaction")
    }

    pub(super) fn missing_access() -> Reply {
        Reply::error(403, 50001, "Missing Access")
    }

    pub(super) fn missing_permissions() -> Reply {
        Reply::error(403, 50013, "Missing Permissions")
    }

    pub(super) fn empty_message() -> Reply {
        Reply::error(400, 50006, "Cannot send an empty message")
    }

    pub(super) fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = match self.body {
            Some(body) => (
                status,
                [(CONTENT_TYPE, "application/json")],
                body.to_string(),
            )
                .into_response(),
            None => status.into_response(),
        };
        for (k, v) in self.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(&v),
            ) {
                resp.headers_mut().insert(name, value);
            }
        }
        resp
    }
}
