//! The shape of a Parlay X exception (ES 202 391-1 §5.3–5.5): an id, its text template and the
//! values of its placeholders. Which refusal gets which code is decided by its owner (`scf::error`
//! for business refusals, `framework::refusal` for the framework's); the bindings render it.

/// Service or policy exception (ES 202 391-1 §5.3–5.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExceptionKind {
    /// The request cannot be processed as sent (SVC…).
    Service,
    /// The request is valid but a policy refuses it (POL…).
    Policy,
}

/// A Parlay X exception: an id, its text template with `%1`, `%2` …, and the values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// Service or policy.
    pub kind: ExceptionKind,
    /// `SVC0002`, `POL1000`, …
    pub id: &'static str,
    /// The catalogue text with its `%N` placeholders.
    pub text: &'static str,
    /// Values for the placeholders.
    pub variables: Vec<String>,
}

impl Exception {
    /// A service exception (SVC…).
    pub fn service(id: &'static str, text: &'static str, variables: Vec<String>) -> Self {
        Self {
            kind: ExceptionKind::Service,
            id,
            text,
            variables,
        }
    }

    /// A policy exception (POL…).
    pub fn policy(id: &'static str, text: &'static str, variables: Vec<String>) -> Self {
        Self {
            kind: ExceptionKind::Policy,
            id,
            text,
            variables,
        }
    }

    /// The text with its placeholders filled in.
    pub fn message(&self) -> String {
        let mut out = self.text.to_owned();
        for (i, v) in self.variables.iter().enumerate().rev() {
            out = out.replace(&format!("%{}", i + 1), v);
        }
        out
    }

    /// Whether the caller sent something wrong (SOAP `faultcode` Client) rather than the service
    /// refusing or failing (Server).
    pub fn is_client_error(&self) -> bool {
        self.kind == ExceptionKind::Service && self.id != "SVC0001" && self.id != "SVC0270"
    }
}
