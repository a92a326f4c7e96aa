//! Return addresses (`redirect_url`) taken from requests: only same-origin
//! targets are honoured, so a crafted link cannot send a user who just
//! signed in to another site (an open redirect).

/// `target` as a same-origin path (`/path?query#fragment`), or `None` when
/// it points anywhere else or could be read that way by a browser.
///
/// `origin` is this app's `scheme://host[:port]`.
pub fn same_origin(target: &str, origin: &str) -> Option<String> {
    // Browsers drop tabs and newlines inside URLs and treat `\` as `/`,
    // which turns "/\t/evil.com" or "/\evil.com" into "//evil.com".
    if target.is_empty()
        || target
            .chars()
            .any(|c| c.is_control() || c == '\\' || c == ' ')
    {
        return None;
    }
    let path = if target.starts_with('/') {
        target
    } else {
        let rest = target.strip_prefix(origin.trim_end_matches('/'))?;
        if rest.is_empty() {
            "/"
        } else if rest.starts_with(['/', '?', '#']) {
            rest
        } else {
            // "https://app.example.com.evil.com" or "…@evil.com".
            return None;
        }
    };
    // "//evil.com" is protocol-relative: another host.
    if path.starts_with("//") {
        return None;
    }
    Some(if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    })
}

#[cfg(test)]
mod tests {
    use super::same_origin;

    const ORIGIN: &str = "https://app.example.com";

    #[test]
    fn same_origin_targets_are_kept_as_paths() {
        let cases = [
            ("/dashboard", "/dashboard"),
            ("/dashboard?tab=posts#top", "/dashboard?tab=posts#top"),
            ("https://app.example.com/settings", "/settings"),
            ("https://app.example.com", "/"),
            ("https://app.example.com?x=1", "/?x=1"),
        ];
        for (target, expected) in cases {
            assert_eq!(
                same_origin(target, ORIGIN).as_deref(),
                Some(expected),
                "{target}"
            );
        }
    }

    #[test]
    fn everything_else_is_dropped() {
        for target in [
            "",
            "https://evil.com/",
            "http://app.example.com/",
            "//evil.com",
            "///evil.com",
            "/\\evil.com",
            "\\\\evil.com",
            "/\t/evil.com",
            "/\n/evil.com",
            "https://app.example.com.evil.com/",
            "https://app.example.com@evil.com/",
            "https://app.example.com:8443/",
            "javascript:alert(1)",
            "data:text/html,hi",
            "dashboard",
        ] {
            assert_eq!(same_origin(target, ORIGIN), None, "{target:?}");
        }
    }
}
