//! Return addresses: `?redirect_url=` values that can only lead back into
//! this site. A sign-in link carries the page to come back to; anything
//! that could leave the origin (`//evil`, `https://…`, `/\evil`, control
//! characters) is dropped rather than passed on, so a crafted link cannot
//! turn the sign-in page into an open redirect.

/// `base?redirect_url=<return_to>` when `return_to` is a same-origin path,
/// else `base` alone.
pub fn with_redirect(base: &str, return_to: &str) -> String {
    match safe_redirect(return_to) {
        Some(path) => {
            let encoded = percent_encode(&path, b"/");
            let sep = if base.contains('?') { '&' } else { '?' };
            format!("{base}{sep}redirect_url={encoded}")
        }
        None => base.to_owned(),
    }
}

/// A same-origin path (`/x?y#z`), or `None` for anything that could leave
/// the site.
pub fn safe_redirect(target: &str) -> Option<String> {
    let ok = target.starts_with('/')
        && !target.starts_with("//")
        && !target.contains('\\')
        && !target.chars().any(|c| c.is_control() || c.is_whitespace());
    ok.then(|| target.to_owned())
}

/// Percent-encodes all but unreserved characters and those in `keep`.
pub fn percent_encode(s: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || keep.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_stay_on_this_site() {
        assert_eq!(
            safe_redirect("/dashboard?x=1#y").as_deref(),
            Some("/dashboard?x=1#y")
        );
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/a b",
            "/a\tb",
            "dashboard",
            "",
        ] {
            assert_eq!(safe_redirect(bad), None, "{bad}");
        }
        assert_eq!(
            with_redirect("/sign-in", "/posts/1?tab=a&b"),
            "/sign-in?redirect_url=/posts/1%3Ftab%3Da%26b"
        );
        assert_eq!(
            with_redirect("/sign-in?x=1", "/a"),
            "/sign-in?x=1&redirect_url=/a"
        );
        assert_eq!(
            with_redirect("/sign-in", "https://evil.example"),
            "/sign-in"
        );
    }
}
