//! The repositories, run identically against SQLite and PostgreSQL.

mod common;

use common::TestDb;
use inkpad::{
    db::{
        organizations::{self, MembershipRecord, OrgRecord},
        posts,
        users::{self, Applied, UserRecord},
        DbError,
    },
    model::{Plan, Role},
};

fn record(id: &str, email: &str, event_at: i64) -> UserRecord {
    UserRecord {
        id: id.into(),
        email: Some(email.into()),
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        image_url: None,
        role: Role::Member,
        plan: Plan::Free,
        event_at,
    }
}

on_both_backends!(
    migrations_are_idempotent,
    upsert_creates_then_only_moves_forward,
    delete_removes_posts_and_personal_data_for_good,
    delete_before_create_leaves_a_tombstone,
    ensure_exists_never_overwrites_synced_data,
    posts_crud_and_newest_first_paging,
    posts_need_an_existing_author,
    user_search_and_paging,
    organizations_move_forward_and_their_deletion_takes_their_posts,
    memberships_follow_their_events_in_order,
    a_post_racing_its_organizations_deletion_never_outlives_it,
);

async fn migrations_are_idempotent(t: TestDb) {
    t.db.migrate().await.expect("second migrate is a no-op");
    t.db.ping().await.unwrap();
}

async fn upsert_creates_then_only_moves_forward(t: TestDb) {
    let db = &t.db;
    assert_eq!(
        users::apply_upsert(
            &mut db.acquire().await.unwrap(),
            &record("user_1", "a@x.io", 100)
        )
        .await
        .unwrap(),
        Applied::Changed
    );
    let stored = users::get(db, "user_1").await.unwrap().unwrap();
    assert_eq!(stored.email.as_deref(), Some("a@x.io"));
    assert_eq!((stored.role, stored.plan), (Role::Member, Plan::Free));
    assert_eq!(stored.last_event_at, Some(100));

    // A newer event wins, including role and plan.
    let mut newer = record("user_1", "b@x.io", 200);
    newer.role = Role::Admin;
    newer.plan = Plan::Pro;
    assert_eq!(
        users::apply_upsert(&mut db.acquire().await.unwrap(), &newer)
            .await
            .unwrap(),
        Applied::Changed
    );

    // An older event arriving late changes nothing; so does a redelivery.
    let older = record("user_1", "stale@x.io", 150);
    assert_eq!(
        users::apply_upsert(&mut db.acquire().await.unwrap(), &older)
            .await
            .unwrap(),
        Applied::Stale
    );
    assert_eq!(
        users::apply_upsert(&mut db.acquire().await.unwrap(), &newer)
            .await
            .unwrap(),
        Applied::Stale
    );

    let stored = users::get(db, "user_1").await.unwrap().unwrap();
    assert_eq!(stored.email.as_deref(), Some("b@x.io"));
    assert_eq!((stored.role, stored.plan), (Role::Admin, Plan::Pro));
    assert_eq!(stored.last_event_at, Some(200));
}

async fn delete_removes_posts_and_personal_data_for_good(t: TestDb) {
    let db = &t.db;
    users::apply_upsert(
        &mut db.acquire().await.unwrap(),
        &record("user_del", "gone@x.io", 100),
    )
    .await
    .unwrap();
    users::apply_upsert(
        &mut db.acquire().await.unwrap(),
        &record("user_keep", "keep@x.io", 100),
    )
    .await
    .unwrap();
    posts::create(db, "user_del", None, "mine", "text")
        .await
        .unwrap();
    posts::create(db, "user_del", None, "mine too", "text")
        .await
        .unwrap();
    let kept = posts::create(db, "user_keep", None, "theirs", "text")
        .await
        .unwrap();

    assert_eq!(
        users::apply_delete(&mut db.acquire().await.unwrap(), "user_del", 300)
            .await
            .unwrap(),
        Applied::Changed
    );
    assert!(users::get(db, "user_del").await.unwrap().is_none());
    assert_eq!(posts::count_by_author(db, "user_del").await.unwrap(), 0);
    assert_eq!(posts::get(db, kept.id).await.unwrap(), Some(kept));

    let tombstone = users::get_any(db, "user_del").await.unwrap().unwrap();
    assert!(tombstone.deleted_at.is_some());
    assert_eq!(
        (tombstone.email, tombstone.first_name, tombstone.last_name),
        (None, None, None),
        "no personal data is kept"
    );

    // Nothing brings a deleted user back, not even a newer-looking event.
    let late = record("user_del", "zombie@x.io", 999);
    assert_eq!(
        users::apply_upsert(&mut db.acquire().await.unwrap(), &late)
            .await
            .unwrap(),
        Applied::Stale
    );
    assert!(users::get(db, "user_del").await.unwrap().is_none());
    assert_eq!(
        users::apply_delete(&mut db.acquire().await.unwrap(), "user_del", 400)
            .await
            .unwrap(),
        Applied::Stale
    );
}

async fn delete_before_create_leaves_a_tombstone(t: TestDb) {
    let db = &t.db;
    assert_eq!(
        users::apply_delete(&mut db.acquire().await.unwrap(), "user_early", 200)
            .await
            .unwrap(),
        Applied::Changed
    );
    let created_late = record("user_early", "late@x.io", 100);
    assert_eq!(
        users::apply_upsert(&mut db.acquire().await.unwrap(), &created_late)
            .await
            .unwrap(),
        Applied::Stale
    );
    assert!(users::get(db, "user_early").await.unwrap().is_none());
}

async fn ensure_exists_never_overwrites_synced_data(t: TestDb) {
    let db = &t.db;
    // A signed-in user acts before the webhook arrives...
    users::ensure_exists(db, "user_fast").await.unwrap();
    let placeholder = users::get(db, "user_fast").await.unwrap().unwrap();
    assert_eq!((placeholder.email, placeholder.last_event_at), (None, None));
    // ...then the webhook fills in the details...
    users::apply_upsert(
        &mut db.acquire().await.unwrap(),
        &record("user_fast", "fast@x.io", 50),
    )
    .await
    .unwrap();
    // ...and a later ensure_exists leaves them alone.
    users::ensure_exists(db, "user_fast").await.unwrap();
    let stored = users::get(db, "user_fast").await.unwrap().unwrap();
    assert_eq!(stored.email.as_deref(), Some("fast@x.io"));
}

async fn posts_crud_and_newest_first_paging(t: TestDb) {
    let db = &t.db;
    users::ensure_exists(db, "user_w").await.unwrap();
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            posts::create(db, "user_w", None, &format!("Post {i}"), "body")
                .await
                .unwrap()
                .id,
        );
    }
    assert_eq!(posts::count_by_author(db, "user_w").await.unwrap(), 5);

    let (first_page, total) = posts::page_in(
        db,
        posts::Space::Personal {
            author_id: "user_w",
        },
        2,
        0,
    )
    .await
    .unwrap();
    let titles: Vec<_> = first_page.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(titles, ["Post 4", "Post 3"], "newest first");
    assert_eq!(total, 5, "the total comes with the page");
    let (last_page, total) = posts::page_in(
        db,
        posts::Space::Personal {
            author_id: "user_w",
        },
        2,
        4,
    )
    .await
    .unwrap();
    assert_eq!((last_page.len(), total), (1, 5));
    assert_eq!(last_page[0].title, "Post 0");
    assert_eq!(
        posts::page_in(
            db,
            posts::Space::Personal {
                author_id: "user_w"
            },
            2,
            10
        )
        .await
        .unwrap(),
        (vec![], 5),
        "past the end: no posts, still the total"
    );
    assert_eq!(
        posts::page_in(
            db,
            posts::Space::Personal {
                author_id: "user_other"
            },
            10,
            0
        )
        .await
        .unwrap(),
        (vec![], 0)
    );

    let updated = posts::update(db, ids[0], "Renamed", "new body")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (updated.title.as_str(), updated.content.as_str()),
        ("Renamed", "new body")
    );
    assert!(updated.updated_at >= updated.created_at);
    assert_eq!(posts::get(db, ids[0]).await.unwrap(), Some(updated));
    assert_eq!(posts::update(db, 999_999, "x", "y").await.unwrap(), None);

    assert!(posts::delete(db, ids[1]).await.unwrap());
    assert!(
        !posts::delete(db, ids[1]).await.unwrap(),
        "second delete finds nothing"
    );
    assert_eq!(posts::get(db, ids[1]).await.unwrap(), None);
    assert_eq!(posts::count_by_author(db, "user_w").await.unwrap(), 4);
}

async fn posts_need_an_existing_author(t: TestDb) {
    let err = posts::create(&t.db, "user_nobody", None, "orphan", "text")
        .await
        .unwrap_err();
    assert!(
        matches!(err, DbError::Other(_)),
        "foreign key violation: {err:?}"
    );
}

async fn user_search_and_paging(t: TestDb) {
    let db = &t.db;
    let people = [
        ("user_a", "ada@math.org", "Ada", "Lovelace"),
        ("user_b", "grace@navy.mil", "Grace", "Hopper"),
        ("user_c", "alan@bletchley.uk", "Alan", "Turing"),
        ("user_d", "under_score@x.io", "Una", "Dersc"),
    ];
    for (i, (id, email, first, last)) in people.iter().enumerate() {
        let mut r = record(id, email, 10 + i as i64);
        r.first_name = Some(first.to_string());
        r.last_name = Some(last.to_string());
        users::apply_upsert(&mut db.acquire().await.unwrap(), &r)
            .await
            .unwrap();
    }
    users::apply_delete(&mut db.acquire().await.unwrap(), "user_gone", 1)
        .await
        .unwrap();

    let ids = |(users, _): (Vec<inkpad::model::User>, i64)| {
        users.into_iter().map(|u| u.id).collect::<Vec<_>>()
    };
    assert_eq!(
        users::page(db, None, 10, 0).await.unwrap().1,
        4,
        "tombstones are not users"
    );
    assert_eq!(
        ids(users::page(db, Some("HOPPER"), 10, 0).await.unwrap()),
        ["user_b"]
    );
    assert_eq!(
        ids(users::page(db, Some("grace hop"), 10, 0).await.unwrap()),
        ["user_b"]
    );
    assert_eq!(
        ids(users::page(db, Some("bletchley"), 10, 0).await.unwrap()),
        ["user_c"]
    );
    assert_eq!(
        users::page(db, Some("  "), 10, 0).await.unwrap().1,
        4,
        "blank search is no filter"
    );
    assert_eq!(users::page(db, Some("HOPPER"), 10, 0).await.unwrap().1, 1);
    assert_eq!(users::page(db, None, 10, 40).await.unwrap(), (vec![], 4));
    // LIKE wildcards in the search are matched literally.
    assert_eq!(
        ids(users::page(db, Some("r_s"), 10, 0).await.unwrap()),
        ["user_d"]
    );
    assert!(users::page(db, Some("a_a"), 10, 0)
        .await
        .unwrap()
        .0
        .is_empty());
    assert!(users::page(db, Some("%"), 10, 0)
        .await
        .unwrap()
        .0
        .is_empty());
    assert!(users::page(db, Some("nobody"), 10, 0)
        .await
        .unwrap()
        .0
        .is_empty());
    assert_eq!(
        ids(users::page(db, None, 2, 0).await.unwrap()),
        ["user_d", "user_c"],
        "newest first"
    );
    assert_eq!(users::page(db, None, 2, 2).await.unwrap().0.len(), 2);
    assert!(users::page(db, None, 2, 4).await.unwrap().0.is_empty());
}

async fn organizations_move_forward_and_their_deletion_takes_their_posts(t: TestDb) {
    let mut conn = t.db.acquire().await.unwrap();
    let org = |name: &str, event_at| OrgRecord {
        id: "org_1".into(),
        name: Some(name.into()),
        slug: Some("acme".into()),
        event_at,
    };
    assert_eq!(
        organizations::apply_upsert(&mut conn, &org("Acme", 5))
            .await
            .unwrap(),
        Applied::Changed
    );
    assert_eq!(
        organizations::apply_upsert(&mut conn, &org("Older", 3))
            .await
            .unwrap(),
        Applied::Stale,
        "an older event never overwrites a newer one"
    );
    drop(conn);
    users::apply_upsert(
        &mut t.db.acquire().await.unwrap(),
        &record("user_w", "w@x.io", 1),
    )
    .await
    .unwrap();
    let in_org = posts::create(&t.db, "user_w", Some("org_1"), "Team", "text")
        .await
        .unwrap();
    let elsewhere = posts::create(&t.db, "user_w", Some("org_2"), "Other", "text")
        .await
        .unwrap();
    let personal = posts::create(&t.db, "user_w", None, "Mine", "text")
        .await
        .unwrap();
    let (page, total) = posts::page_in(&t.db, posts::Space::Org { org_id: "org_1" }, 10, 0)
        .await
        .unwrap();
    assert_eq!((page.len(), total), (1, 1));
    let (page, _) = posts::page_in(
        &t.db,
        posts::Space::Personal {
            author_id: "user_w",
        },
        10,
        0,
    )
    .await
    .unwrap();
    assert_eq!(
        page.iter().map(|p| p.id).collect::<Vec<_>>(),
        [personal.id],
        "personal space only"
    );

    let mut conn = t.db.acquire().await.unwrap();
    assert_eq!(
        organizations::apply_delete(&mut conn, "org_1", 9)
            .await
            .unwrap(),
        Applied::Changed
    );
    assert_eq!(
        organizations::apply_delete(&mut conn, "org_1", 10)
            .await
            .unwrap(),
        Applied::Stale
    );
    assert_eq!(
        organizations::apply_upsert(&mut conn, &org("Back", 11))
            .await
            .unwrap(),
        Applied::Stale,
        "a deletion is final"
    );
    drop(conn);
    assert!(organizations::is_deleted(&t.db, "org_1").await.unwrap());
    assert!(!organizations::is_deleted(&t.db, "org_2").await.unwrap());
    assert!(posts::get(&t.db, in_org.id).await.unwrap().is_none());
    assert!(posts::get(&t.db, elsewhere.id).await.unwrap().is_some());
    assert!(posts::get(&t.db, personal.id).await.unwrap().is_some());
}

async fn memberships_follow_their_events_in_order(t: TestDb) {
    let member = |user: &str, role: &str, event_at| MembershipRecord {
        organization_id: "org_1".into(),
        user_id: user.into(),
        role: role.into(),
        event_at,
    };
    let count = || organizations::member_count(&t.db, "org_1");
    let mut conn = t.db.acquire().await.unwrap();
    let apply = organizations::apply_membership;
    let remove = organizations::apply_membership_removed;
    assert_eq!(
        apply(&mut conn, &member("u1", "org:member", 5))
            .await
            .unwrap(),
        Applied::Changed
    );
    assert_eq!(
        apply(&mut conn, &member("u1", "org:admin", 3))
            .await
            .unwrap(),
        Applied::Stale,
        "an older role change never overwrites a newer one"
    );
    assert_eq!(
        remove(&mut conn, &member("u1", "org:member", 7))
            .await
            .unwrap(),
        Applied::Changed
    );
    assert_eq!(
        apply(&mut conn, &member("u1", "org:member", 6))
            .await
            .unwrap(),
        Applied::Stale,
        "a late creation does not undo a newer removal"
    );
    drop(conn);
    assert_eq!(count().await.unwrap(), 0);
    let mut conn = t.db.acquire().await.unwrap();
    assert_eq!(
        apply(&mut conn, &member("u1", "org:member", 8))
            .await
            .unwrap(),
        Applied::Changed,
        "people rejoin"
    );
    // A removal that arrives before its creation still wins.
    assert_eq!(
        remove(&mut conn, &member("u2", "org:member", 10))
            .await
            .unwrap(),
        Applied::Changed
    );
    assert_eq!(
        apply(&mut conn, &member("u2", "org:member", 9))
            .await
            .unwrap(),
        Applied::Stale
    );
    drop(conn);
    assert_eq!(count().await.unwrap(), 1);
    assert_eq!(
        organizations::summary(&t.db, "org_1").await.unwrap(),
        None,
        "no summary before the organization's own event"
    );

    // A deleted user belongs nowhere; a deleted organization has no members
    // and takes none on.
    let mut conn = t.db.acquire().await.unwrap();
    organizations::apply_upsert(
        &mut conn,
        &OrgRecord {
            id: "org_1".into(),
            name: Some("Acme".into()),
            slug: Some("acme".into()),
            event_at: 1,
        },
    )
    .await
    .unwrap();
    apply(&mut conn, &member("u3", "org:admin", 11))
        .await
        .unwrap();
    drop(conn);
    assert_eq!(
        organizations::summary(&t.db, "org_1").await.unwrap(),
        Some((Some("Acme".into()), 2))
    );
    users::apply_delete(&mut t.db.acquire().await.unwrap(), "u3", 12)
        .await
        .unwrap();
    assert_eq!(count().await.unwrap(), 1);
    let mut conn = t.db.acquire().await.unwrap();
    organizations::apply_delete(&mut conn, "org_1", 13)
        .await
        .unwrap();
    assert_eq!(
        apply(&mut conn, &member("u4", "org:member", 14))
            .await
            .unwrap(),
        Applied::Stale
    );
    drop(conn);
    assert_eq!(count().await.unwrap(), 0);
    assert_eq!(organizations::summary(&t.db, "org_1").await.unwrap(), None);
}

async fn a_post_racing_its_organizations_deletion_never_outlives_it(t: TestDb) {
    users::apply_upsert(
        &mut t.db.acquire().await.unwrap(),
        &record("user_w", "w@x.io", 1),
    )
    .await
    .unwrap();
    let mut written = 0;
    for round in 0..15 {
        let org = format!("org_race_{round}");
        let writers = futures::future::join_all(
            (0..4).map(|_| posts::create_in_org(&t.db, "user_w", &org, "Team", "text")),
        );
        let deleter = async {
            let mut conn = t.db.acquire().await.unwrap();
            organizations::apply_delete(&mut conn, &org, 1).await
        };
        let (results, deleted) = tokio::join!(writers, deleter);
        deleted.unwrap();
        // A writer either got in before the tombstone (and its post went
        // with the organization), saw the tombstone, or lost a lock race
        // (an error, nothing written); never a post left behind.
        written += results.iter().filter(|r| matches!(r, Ok(Some(_)))).count();
        let (page, total) = posts::page_in(&t.db, posts::Space::Org { org_id: &org }, 10, 0)
            .await
            .unwrap();
        assert_eq!((page.len(), total), (0, 0), "round {round}");
        assert!(matches!(
            posts::create_in_org(&t.db, "user_w", &org, "Late", "text").await,
            Ok(None)
        ));
    }
    println!("{written} posts written before their organization's deletion, all removed");
}
