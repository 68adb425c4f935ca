//! A browser-like client for the console's handler tests: keeps the cookies it is given, does
//! not follow redirects (the tests read them), and reads each page's CSRF token.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use reqwest::header::{COOKIE, HeaderMap, LOCATION, SET_COOKIE};

use crate::harness::{OPERATOR_TOKEN, TestGateway};

/// One answer: status, headers, body.
pub(crate) struct Page {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Page {
    /// Where a redirect goes.
    pub(crate) fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The `Set-Cookie` line for `name`.
    pub(crate) fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }

    /// The value of the first `csrf` input on the page.
    pub(crate) fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let at = self.body.find(marker).expect("a form with a csrf input") + marker.len();
        self.body[at..].split('"').next().unwrap().to_owned()
    }
}

/// A client with a cookie jar.
pub(crate) struct Browser {
    base: String,
    http: reqwest::Client,
    pub(crate) cookies: BTreeMap<String, String>,
}

impl Browser {
    pub(crate) fn new(gw: &TestGateway) -> Self {
        Self::from_address(gw, "127.0.0.1")
    }

    /// A client whose connections come from `address`, a loopback address (127.0.0.0/8 is all
    /// loopback, so the gateway on 127.0.0.1 sees another peer).
    pub(crate) fn from_address(gw: &TestGateway, address: &str) -> Self {
        let source: std::net::IpAddr = address.parse().unwrap();
        Self {
            base: gw.base.clone(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .local_address(source)
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
        }
    }

    /// The same browser (its cookies) pointed at another gateway instance.
    pub(crate) fn at(&self, gw: &TestGateway) -> Self {
        Self {
            base: gw.base.clone(),
            http: self.http.clone(),
            cookies: self.cookies.clone(),
        }
    }

    /// A browser signed in with the test operator's token.
    pub(crate) async fn signed_in(gw: &TestGateway) -> Self {
        Self::signed_in_from(gw, "127.0.0.1").await
    }

    /// A browser signed in with the test operator's token, its connections from `address`.
    pub(crate) async fn signed_in_from(gw: &TestGateway, address: &str) -> Self {
        let mut browser = Self::from_address(gw, address);
        let form = browser.get("/console/sign-in").await;
        let csrf = form.csrf();
        let page = browser
            .post("/console/sign-in", &[("csrf", &csrf), ("token", OPERATOR_TOKEN)])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        browser
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn read(&mut self, request: reqwest::RequestBuilder) -> Page {
        let response = request.header(COOKIE, self.cookie_header()).send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        for line in headers.get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()) {
            let pair = line.split(';').next().unwrap_or_default();
            let (name, value) = pair.split_once('=').unwrap();
            if line.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let body = response.text().await.unwrap();
        Page {
            status,
            headers,
            body,
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        let request = self.http.get(format!("{}{path}", self.base));
        self.read(request).await
    }

    pub(crate) async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.read(request).await
    }

    /// Posts `form` with the CSRF token of the page at `page`.
    pub(crate) async fn submit(&mut self, page: &str, path: &str, form: &[(&str, &str)]) -> Page {
        let csrf = self.get(page).await.csrf();
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend_from_slice(form);
        self.post(path, &fields).await
    }
}
