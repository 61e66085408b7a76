// Versioned, append-only. A migration once released is never edited; add a new one.
// The same tables and constraints as sqlite-migrations.ts, in PostgreSQL types: epoch values are bigint,
// timings and scores double precision, embeddings bytea (little-endian float32, as in SQLite). Dates and
// timestamps stay text: the store hands back exactly the ISO string it was given, as SQLite does.

/** Key of the transaction-scoped advisory lock that serialises migrations across server instances. */
export const MIGRATION_LOCK_KEY = 7_305_241_318_404n

/** Transaction-scoped: writers of template_changes commit one at a time, in seq order. */
export const TEMPLATE_CHANGES_LOCK_KEY = 7_305_241_318_405n

/** Session-scoped: one enrolment (duplicate search, then insert) at a time across all instances. */
export const ENROLMENT_LOCK_KEY = 7_305_241_318_406n

export const POSTGRES_MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'residents, templates, tokens, jti ledger, clearance events',
    sql: `
      CREATE TABLE residents (
        resident_id text PRIMARY KEY,
        subject text NOT NULL UNIQUE,
        name text NOT NULL,
        date_of_birth text NOT NULL,
        guardian_consent boolean NOT NULL,
        status text NOT NULL CHECK (status IN ('active', 'revoked')),
        credential_hash text NOT NULL UNIQUE,
        enrolled_at text NOT NULL,
        revoked_at text
      );
      CREATE TABLE templates (
        subject text PRIMARY KEY REFERENCES residents (subject),
        model_name text NOT NULL,
        model_version text NOT NULL,
        dimensions integer NOT NULL CHECK (dimensions >= 0),
        embedding bytea NOT NULL CHECK (octet_length(embedding) = 4 * dimensions)
      );
      CREATE TABLE enrolment_reviews (
        review_id text PRIMARY KEY,
        resident_id text NOT NULL,
        matched_resident_id text NOT NULL,
        score double precision NOT NULL,
        created_at text NOT NULL
      );
      CREATE TABLE issued_tokens (
        jti text PRIMARY KEY,
        subject text NOT NULL,
        token text NOT NULL,
        expires_at bigint NOT NULL
      );
      CREATE TABLE jti_ledger (
        iss text NOT NULL,
        jti text NOT NULL,
        expires_at bigint NOT NULL,
        kiosk_id text NOT NULL,
        consumed_at text NOT NULL,
        PRIMARY KEY (iss, jti)
      );
      CREATE TABLE clearance_events (
        event_id text PRIMARY KEY,
        kiosk_id text NOT NULL,
        control_point text NOT NULL,
        channel text NOT NULL CHECK (channel IN ('contactless', 'conventional')),
        decision text NOT NULL CHECK (decision IN ('APPROVE', 'REJECT', 'REFER_TO_OFFICER')),
        reason text,
        score double precision,
        model_version text,
        kid text,
        jti_hash text,
        occurred_at bigint NOT NULL,
        received_at bigint NOT NULL,
        decode_ms double precision NOT NULL,
        verify_ms double precision NOT NULL,
        detect_ms double precision NOT NULL,
        embed_ms double precision NOT NULL,
        liveness_ms double precision NOT NULL,
        match_ms double precision NOT NULL,
        total_ms double precision NOT NULL
      );
      CREATE INDEX clearance_events_occurred_at ON clearance_events (occurred_at);
    `,
  },
  {
    version: 2,
    name: 'sealed templates, append-only audit and clearance rows',
    sql: `
      ALTER TABLE templates DROP CONSTRAINT templates_check;
      ALTER TABLE templates RENAME COLUMN embedding TO sealed;
      CREATE TABLE audit_events (
        seq bigserial PRIMARY KEY,
        at text NOT NULL,
        kind text NOT NULL,
        actor text NOT NULL,
        subject_ref text,
        details jsonb NOT NULL
      );
      CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
      CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION refuse_change();
      CREATE TRIGGER clearance_events_append_only BEFORE UPDATE OR DELETE ON clearance_events
        FOR EACH ROW EXECUTE FUNCTION refuse_change();
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
        kiosk_id text PRIMARY KEY,
        seq bigint NOT NULL CHECK (seq >= 0),
        hash text NOT NULL,
        updated_at bigint NOT NULL
      );
      CREATE TABLE outbox_entries (
        kiosk_id text NOT NULL,
        seq bigint NOT NULL CHECK (seq >= 1),
        prev_hash text NOT NULL,
        hash text NOT NULL,
        event_id text NOT NULL,
        offline_jti boolean NOT NULL,
        received_at bigint NOT NULL,
        PRIMARY KEY (kiosk_id, seq)
      );
      CREATE TABLE offline_flags (
        kind text NOT NULL CHECK (kind IN ('JTI_DOUBLE_USE', 'REVOKED_AT_USE')),
        kiosk_id text NOT NULL,
        seq bigint NOT NULL,
        event_id text NOT NULL,
        jti_hash text NOT NULL,
        other_kiosk_id text,
        flagged_at bigint NOT NULL,
        PRIMARY KEY (kiosk_id, seq, kind)
      );
      CREATE INDEX offline_flags_jti_hash ON offline_flags (jti_hash);
      CREATE TRIGGER outbox_entries_append_only BEFORE UPDATE OR DELETE ON outbox_entries
        FOR EACH ROW EXECUTE FUNCTION refuse_change();
      CREATE TRIGGER offline_flags_append_only BEFORE UPDATE OR DELETE ON offline_flags
        FOR EACH ROW EXECUTE FUNCTION refuse_change();
    `,
  },
  {
    version: 5,
    name: 'template change feed (every instance keeps its duplicate index current); photos per template',
    // Writers take TEMPLATE_CHANGES_LOCK_KEY for their transaction, so seq order is commit order and a reader
    // that has seen seq n never misses a later commit with a smaller seq.
    sql: `
      CREATE TABLE template_changes (
        seq bigserial PRIMARY KEY,
        resident_id text NOT NULL,
        change text NOT NULL CHECK (change IN ('added', 'removed'))
      );
      ALTER TABLE templates ADD COLUMN photos integer NOT NULL DEFAULT 1 CHECK (photos BETWEEN 1 AND 16);
    `,
  },
  {
    version: 6,
    name: 'clearance event ids are unique per kiosk: primary key (kiosk_id, event_id)',
    // A new index, no row touched: the append-only trigger does not fire.
    sql: `
      ALTER TABLE clearance_events DROP CONSTRAINT clearance_events_pkey;
      ALTER TABLE clearance_events ADD PRIMARY KEY (kiosk_id, event_id);
    `,
  },
]
