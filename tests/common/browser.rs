//! A browser's side of the development instance's frontend API for the
//! app's tests: `clerk_dev::testing`, with the app as the server it
//! reaches.

pub use clerk_dev::testing::*;

use super::TestApp;

impl Served for TestApp {
    fn url(&self, path: &str) -> String {
        TestApp::url(self, path)
    }

    fn origin(&self) -> String {
        TestApp::origin(self)
    }

    fn client(&self) -> &reqwest::Client {
        &self.client
    }
}
