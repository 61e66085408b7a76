// Versioned, append-only. A migration once released is never edited; add a new one.
export const SQLITE_MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'residents, templates, tokens, jti ledger, clearance events',
    sql: `
      CREATE TABLE residents (
        resident_id TEXT PRIMARY KEY,
        subject TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        date_of_birth TEXT NOT NULL,
        guardian_consent INTEGER NOT NULL CHECK (guardian_consent IN (0, 1)),
        status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
        credential_hash TEXT NOT NULL UNIQUE,
        enrolled_at TEXT NOT NULL,
        revoked_at TEXT
      ) STRICT;
      CREATE TABLE templates (
        subject TEXT PRIMARY KEY REFERENCES residents(subject),
        model_name TEXT NOT NULL,
        model_version TEXT NOT NULL,
        dimensions INTEGER NOT NULL,
        embedding BLOB NOT NULL
      ) STRICT;
      CREATE TABLE enrolment_reviews (
        review_id TEXT PRIMARY KEY,
        resident_id TEXT NOT NULL,
        matched_resident_id TEXT NOT NULL,
        score REAL NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE issued_tokens (
        jti TEXT PRIMARY KEY,
        subject TEXT NOT NULL,
        token TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE jti_ledger (
        iss TEXT NOT NULL,
        jti TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        kiosk_id TEXT NOT NULL,
        consumed_at TEXT NOT NULL,
        PRIMARY KEY (iss, jti)
      ) STRICT;
      CREATE TABLE clearance_events (
        event_id TEXT PRIMARY KEY,
        kiosk_id TEXT NOT NULL,
        control_point TEXT NOT NULL,
        channel TEXT NOT NULL CHECK (channel IN ('contactless', 'conventional')),
        decision TEXT NOT NULL CHECK (decision IN ('APPROVE', 'REJECT', 'REFER_TO_OFFICER')),
        reason TEXT,
        score REAL,
        model_version TEXT,
        kid TEXT,
        jti_hash TEXT,
        occurred_at INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        decode_ms REAL NOT NULL,
        verify_ms REAL NOT NULL,
        detect_ms REAL NOT NULL,
        embed_ms REAL NOT NULL,
        liveness_ms REAL NOT NULL,
        match_ms REAL NOT NULL,
        total_ms REAL NOT NULL
      ) STRICT;
      CREATE INDEX clearance_events_occurred_at ON clearance_events (occurred_at);
    `,
  },
  {
    version: 2,
    name: 'sealed templates, append-only audit and clearance rows',
    sql: `
      ALTER TABLE templates RENAME COLUMN embedding TO sealed;
      CREATE TABLE audit_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        actor TEXT NOT NULL,
        subject_ref TEXT,
        details TEXT NOT NULL
      ) STRICT;
      CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
      CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
      CREATE TRIGGER clearance_events_no_update BEFORE UPDATE ON clearance_events
        BEGIN SELECT RAISE(ABORT, 'clearance_events is append-only'); END;
      CREATE TRIGGER clearance_events_no_delete BEFORE DELETE ON clearance_events
        BEGIN SELECT RAISE(ABORT, 'clearance_events is append-only'); END;
    `,
  },
  {
    version: 3,
    name: 'issued tokens leave the database (short-lived state: memory, or Redis when shared)',
    sql: `DROP TABLE issued_tokens;`,
  },
  {
    version: 4,
    name: 'kiosk outbox sync: per-kiosk chain heads, chain entries, offline flags',
    sql: `
      CREATE TABLE outbox_heads (
        kiosk_id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL CHECK (seq >= 0),
        hash TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE outbox_entries (
        kiosk_id TEXT NOT NULL,
        seq INTEGER NOT NULL CHECK (seq >= 1),
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        event_id TEXT NOT NULL,
        offline_jti INTEGER NOT NULL CHECK (offline_jti IN (0, 1)),
        received_at INTEGER NOT NULL,
        PRIMARY KEY (kiosk_id, seq)
      ) STRICT;
      CREATE TABLE offline_flags (
        kind TEXT NOT NULL CHECK (kind IN ('JTI_DOUBLE_USE', 'REVOKED_AT_USE')),
        kiosk_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        event_id TEXT NOT NULL,
        jti_hash TEXT NOT NULL,
        other_kiosk_id TEXT,
        flagged_at INTEGER NOT NULL,
        PRIMARY KEY (kiosk_id, seq, kind)
      ) STRICT;
      CREATE INDEX offline_flags_jti_hash ON offline_flags (jti_hash);
      CREATE TRIGGER outbox_entries_no_update BEFORE UPDATE ON outbox_entries
        BEGIN SELECT RAISE(ABORT, 'outbox_entries is append-only'); END;
      CREATE TRIGGER outbox_entries_no_delete BEFORE DELETE ON outbox_entries
        BEGIN SELECT RAISE(ABORT, 'outbox_entries is append-only'); END;
      CREATE TRIGGER offline_flags_no_update BEFORE UPDATE ON offline_flags
        BEGIN SELECT RAISE(ABORT, 'offline_flags is append-only'); END;
      CREATE TRIGGER offline_flags_no_delete BEFORE DELETE ON offline_flags
        BEGIN SELECT RAISE(ABORT, 'offline_flags is append-only'); END;
    `,
  },
  {
    version: 5,
    name: 'template change feed (every instance keeps its duplicate index current); photos per template',
    sql: `
      CREATE TABLE template_changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        resident_id TEXT NOT NULL,
        change TEXT NOT NULL CHECK (change IN ('added', 'removed'))
      ) STRICT;
      ALTER TABLE templates ADD COLUMN photos INTEGER NOT NULL DEFAULT 1 CHECK (photos BETWEEN 1 AND 16);
    `,
  },
  {
    version: 6,
    name: 'clearance event ids are unique per kiosk: primary key (kiosk_id, event_id)',
    // SQLite cannot change a primary key in place: the table is rebuilt with its rows, index and triggers.
    // DROP TABLE's implicit delete fires no trigger, so the append-only triggers do not stand in the way.
    sql: `
      CREATE TABLE clearance_events_v6 (
        event_id TEXT NOT NULL,
        kiosk_id TEXT NOT NULL,
        control_point TEXT NOT NULL,
        channel TEXT NOT NULL CHECK (channel IN ('contactless', 'conventional')),
        decision TEXT NOT NULL CHECK (decision IN ('APPROVE', 'REJECT', 'REFER_TO_OFFICER')),
        reason TEXT,
        score REAL,
        model_version TEXT,
        kid TEXT,
        jti_hash TEXT,
        occurred_at INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        decode_ms REAL NOT NULL,
        verify_ms REAL NOT NULL,
        detect_ms REAL NOT NULL,
        embed_ms REAL NOT NULL,
        liveness_ms REAL NOT NULL,
        match_ms REAL NOT NULL,
        total_ms REAL NOT NULL,
        PRIMARY KEY (kiosk_id, event_id)
      ) STRICT;
      INSERT INTO clearance_events_v6 (event_id, kiosk_id, control_point, channel, decision, reason, score,
          model_version, kid, jti_hash, occurred_at, received_at, decode_ms, verify_ms, detect_ms, embed_ms,
          liveness_ms, match_ms, total_ms)
        SELECT event_id, kiosk_id, control_point, channel, decision, reason, score,
          model_version, kid, jti_hash, occurred_at, received_at, decode_ms, verify_ms, detect_ms, embed_ms,
          liveness_ms, match_ms, total_ms
        FROM clearance_events;
      DROP TABLE clearance_events;
      ALTER TABLE clearance_events_v6 RENAME TO clearance_events;
      CREATE INDEX clearance_events_occurred_at ON clearance_events (occurred_at);
      CREATE TRIGGER clearance_events_no_update BEFORE UPDATE ON clearance_events
        BEGIN SELECT RAISE(ABORT, 'clearance_events is append-only'); END;
      CREATE TRIGGER clearance_events_no_delete BEFORE DELETE ON clearance_events
        BEGIN SELECT RAISE(ABORT, 'clearance_events is append-only'); END;
    `,
  },
]
