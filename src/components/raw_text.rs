//! User data inside HTML's raw-text elements: the only way text that a
//! user, an organization or a webhook can set goes into a `<textarea>` or
//! the document's `<title>`.
//!
//! The HTML parser reads the children of `<textarea>` and `<title>`
//! (escapable raw text) and of `<script>`, `<style>` and, with scripting on,
//! `<noscript>` (raw text) as plain text up to the next matching end tag,
//! and Leptos writes such children into the server's HTML as they are:
//! unlike other elements' text, they are not escaped (its hydration skips
//! them, and escaping them upstream broke hydration: leptos-rs/leptos#4819;
//! leptos_meta writes the title the same way). A post whose content is
//! `hello</textarea><img …>` would end the edit form's textarea early and
//! write live markup into the page of everyone who may edit it.
//!
//! The rules this app keeps:
//!
//! - no data ever goes inside `<script>`, `<style>` or `<noscript>` (the
//!   page's data reaches the browser through Leptos' serialized resources,
//!   which escape every `<`);
//! - data inside `<textarea>` and `<title>` goes through [`field_text`] and
//!   [`title_text`]. On the server they escape `&`, `<` and `>`: the parser
//!   decodes character references inside escapable raw text, so the field
//!   and the tab show exactly the stored text, and no end tag can appear.
//!   In the browser they hand the text over as it is: there it becomes a
//!   DOM text node or `document.title`, which are never parsed as markup
//!   (escaping there would show `&lt;` to the reader).
//!
//! `tests/hostile_data.rs` and `end2end/tests/hostile-data.spec.js` walk
//! every page with hostile text in every field to keep it so.

/// A `<textarea>`'s initial text: `<textarea …>{field_text(text)}</textarea>`.
///
/// Works without JavaScript: the browser's form posts the field as shown,
/// which is the stored text, unchanged.
pub fn field_text(text: impl Into<String>) -> String {
    let text = text.into();
    #[cfg(feature = "ssr")]
    {
        // The parser drops one line feed straight after `<textarea>`; this
        // one is dropped instead of a line feed the text itself starts with.
        let mut html = String::with_capacity(text.len() + 1);
        html.push('\n');
        html.push_str(&html_escape::encode_text(&text));
        html
    }
    #[cfg(not(feature = "ssr"))]
    text
}

/// The document's title, for leptos_meta's `Title` (its formatter's result).
pub fn title_text(text: String) -> String {
    #[cfg(feature = "ssr")]
    {
        html_escape::encode_text(&text).into_owned()
    }
    #[cfg(not(feature = "ssr"))]
    text
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use leptos::prelude::*;

    const HOSTILE: &str = "hello</textarea><img src=x onerror=alert(1)><textarea>&amp;";

    #[test]
    fn a_textarea_keeps_hostile_text_inside_itself() {
        let html = view! { <textarea name="content">{field_text(HOSTILE)}</textarea> }.to_html();
        assert_eq!(
            html,
            "<textarea name=\"content\">\nhello&lt;/textarea&gt;&lt;img src=x onerror=alert(1)&gt;\
             &lt;textarea&gt;&amp;amp;</textarea>"
        );
        assert_eq!(html.matches("</textarea>").count(), 1);
    }

    #[test]
    fn a_leading_line_feed_survives_the_parser_dropping_one() {
        let html = view! { <textarea>{field_text("\nsecond line")}</textarea> }.to_html();
        assert_eq!(html, "<textarea>\n\nsecond line</textarea>");
    }

    #[test]
    fn a_title_cannot_end_the_title_element() {
        let title = title_text("</title><i data-inject-title></i> · Inkpad".to_owned());
        assert!(!title.contains('<'), "{title}");
        assert_eq!(
            title,
            "&lt;/title&gt;&lt;i data-inject-title&gt;&lt;/i&gt; · Inkpad"
        );
    }
}
