//! `lianban-server backup --to FILE`, run as an operator runs it: it reads the same configuration
//! as the server (here `LIANBAN_DATABASE_URL`), writes a copy that opens as a store, refuses an
//! existing file, and refuses PostgreSQL naming the tools to use instead.

mod common;

use common::run;
use lianban_services::store::Store;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The number of migrations a store records.
async fn migrations(store: &Store) -> i64 {
    let row = store
        .connection()
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT COUNT(*) AS n FROM seaql_migrations",
        ))
        .await
        .unwrap()
        .expect("a row");
    row.try_get("", "n").unwrap()
}

#[tokio::test]
async fn the_backup_command_copies_a_sqlite_store_and_refuses_what_it_must() {
    let folder = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        folder.path().join("lianban.db").display()
    );
    let store = Store::connect(&url).await.unwrap();
    let expected = migrations(&store).await;

    // Taken while the store is open, as it is under a running server.
    let done = run(folder.path(), &url, &["backup", "--to", "copy.db"]);
    assert!(done.status.success(), "{}", text(&done.stderr));
    assert!(text(&done.stdout).contains("backup written to copy.db"));
    store.close().await.unwrap();

    let copy = format!(
        "sqlite://{}?mode=rw",
        folder.path().join("copy.db").display()
    );
    let restored = Store::connect(&copy)
        .await
        .expect("the copy opens as a store");
    assert_eq!(migrations(&restored).await, expected);
    restored.close().await.unwrap();

    let again = run(folder.path(), &url, &["backup", "--to", "copy.db"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains("already exists"),
        "{}",
        text(&again.stderr)
    );

    let postgres = run(
        folder.path(),
        "postgres://lianban@db.example/lianban",
        &["backup", "--to", "pg.db"],
    );
    assert_eq!(postgres.status.code(), Some(1));
    let refusal = text(&postgres.stderr);
    for named in ["pg_basebackup", "pg_dump"] {
        assert!(refusal.contains(named), "{refusal}");
    }
    assert!(!folder.path().join("pg.db").exists());

    let help = run(folder.path(), &url, &["--help"]);
    assert!(
        text(&help.stdout).contains("backup"),
        "{}",
        text(&help.stdout)
    );
}
