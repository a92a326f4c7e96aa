//! The Pro feature: every post of the caller exported as one Markdown
//! document, with word counts and reading-time statistics.

use crate::{
    auth::{Auth, RequireGrants},
    db::{now_millis, posts, users, Db},
    error::AppError,
    model::{format_date as date, AccountData, Export, ExportStats, Plan, Post},
};
use std::fmt::Write;

/// Reading speed used for "minutes of reading".
pub const WORDS_PER_MINUTE: i64 = 200;

pub async fn generate(auth: &Auth, db: &Db) -> Result<Export, AppError> {
    let session = auth.require_plan(Plan::Pro)?;
    let posts = posts::all_by_author(db, &session.user_id).await?;
    Ok(render(&posts, now_millis()))
}

/// The caller's own data, whatever their plan (the right to a copy of
/// one's data is not a Pro feature). Only ever the session's own user:
/// there is no parameter naming anyone else.
pub async fn account_data(auth: &Auth, db: &Db) -> Result<AccountData, AppError> {
    let session = auth.require()?;
    let profile = users::get(db, &session.user_id).await?;
    let posts = posts::all_by_author(db, &session.user_id).await?;
    Ok(AccountData {
        exported_at: now_millis(),
        profile,
        posts,
    })
}

pub fn words(text: &str) -> i64 {
    text.split_whitespace().count() as i64
}

/// Whole minutes, rounded up; any text takes at least a minute.
pub fn reading_minutes(words: i64) -> i64 {
    (words + WORDS_PER_MINUTE - 1) / WORDS_PER_MINUTE
}

/// The export of `posts` (oldest first) as of `now` (unix milliseconds).
pub fn render(posts: &[Post], now: i64) -> Export {
    let counts: Vec<i64> = posts.iter().map(|p| words(&p.content)).collect();
    let total: i64 = counts.iter().sum();
    let longest = posts
        .iter()
        .zip(&counts)
        .max_by_key(|(post, words)| (**words, std::cmp::Reverse(post.id)))
        .map(|(post, _)| post.title.clone());
    let stats = ExportStats {
        posts: posts.len() as i64,
        words: total,
        reading_minutes: reading_minutes(total),
        average_words: if posts.is_empty() {
            0
        } else {
            total / posts.len() as i64
        },
        longest,
    };

    let today = date(now);
    let mut md = String::new();
    let _ = writeln!(md, "# Inkpad export\n");
    let _ = writeln!(
        md,
        "Exported {today} · {} · {} · about {} of reading\n",
        plural(stats.posts, "post"),
        plural(stats.words, "word"),
        plural(stats.reading_minutes, "minute"),
    );
    if posts.is_empty() {
        let _ = writeln!(md, "You have not written any posts yet.");
    } else {
        let _ = writeln!(md, "| Post | Words | Reading time | Written |");
        let _ = writeln!(md, "|---|---:|---:|---|");
        for (post, words) in posts.iter().zip(&counts) {
            let _ = writeln!(
                md,
                "| {} | {words} | {} min | {} |",
                post.title.replace('|', "\\|"),
                reading_minutes(*words),
                date(post.created_at)
            );
        }
        if let Some(longest) = &stats.longest {
            let _ = writeln!(
                md,
                "\nAverage length: {}. Longest: {longest}.",
                plural(stats.average_words, "word")
            );
        }
        for (post, words) in posts.iter().zip(&counts) {
            let _ = writeln!(md, "\n---\n\n## {}\n", post.title);
            let edited = if post.updated_at > post.created_at {
                format!(", edited {}", date(post.updated_at))
            } else {
                String::new()
            };
            let _ = writeln!(
                md,
                "*{} · {} min read · written {}{edited}*\n",
                plural(*words, "word"),
                reading_minutes(*words),
                date(post.created_at)
            );
            let _ = writeln!(md, "{}", post.content);
        }
    }

    Export {
        filename: format!("inkpad-export-{today}.md"),
        markdown: md,
        stats,
    }
}

fn plural(n: i64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(id: i64, title: &str, content: &str, created_at: i64) -> Post {
        Post {
            id,
            author_id: "user_1".into(),
            org_id: None,
            title: title.into(),
            content: content.into(),
            created_at,
            updated_at: created_at,
        }
    }

    #[test]
    fn reading_time_rounds_up_to_whole_minutes() {
        assert_eq!(reading_minutes(0), 0);
        assert_eq!(reading_minutes(1), 1);
        assert_eq!(reading_minutes(200), 1);
        assert_eq!(reading_minutes(201), 2);
    }

    #[test]
    fn the_export_has_every_post_and_its_statistics() {
        let long = "word ".repeat(450);
        let posts = [
            post(1, "First | light", "Hello there, world.", 1_795_305_600_000),
            post(2, "Long read", &long, 1_795_478_000_000),
        ];
        let export = render(&posts, 1_795_478_000_000);
        assert_eq!(export.filename, "inkpad-export-2026-11-23.md");
        assert_eq!(
            export.stats,
            ExportStats {
                posts: 2,
                words: 453,
                reading_minutes: 3,
                average_words: 226,
                longest: Some("Long read".into()),
            }
        );
        let md = &export.markdown;
        assert!(md.starts_with("# Inkpad export\n"));
        assert!(md.contains("2 posts · 453 words · about 3 minutes of reading"));
        assert!(
            md.contains("| First \\| light | 3 | 1 min | 2026-11-22 |"),
            "{md}"
        );
        assert!(md.contains("## Long read\n\n*450 words · 3 min read · written 2026-11-23*"));
        assert!(md.contains("Hello there, world."));
        assert!(md.find("## First").unwrap() < md.find("## Long read").unwrap());
    }

    #[test]
    fn an_empty_export_says_so() {
        let export = render(&[], 0);
        assert_eq!(export.stats.posts, 0);
        assert!(export
            .markdown
            .contains("You have not written any posts yet."));
    }
}
