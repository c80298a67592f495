// The database schema as diesel sees it; written from the SQLite migrations (both backends share it).

diesel::table! {
    counties (code) {
        code -> Text,
        name -> Text,
    }
}

diesel::table! {
    municipalities (code) {
        code -> Text,
        name -> Text,
        county_code -> Text,
        police_region -> Text,
    }
}

diesel::joinable!(municipalities -> counties (county_code));

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        display_name -> Text,
        password_hash -> Text,
        role -> Text,
        created_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    user_municipalities (user_id, municipality_code) {
        user_id -> Text,
        municipality_code -> Text,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    setup_tokens (token_hash) {
        token_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    auth_throttle (throttle_key) {
        throttle_key -> Text,
        failures -> Integer,
        window_started_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        occurred_at -> Timestamp,
        actor_user_id -> Nullable<Text>,
        actor_email -> Nullable<Text>,
        action -> Text,
        target -> Nullable<Text>,
        detail -> Text,
        source_address -> Nullable<Text>,
    }
}

diesel::table! {
    surveys (id) {
        id -> Text,
        title -> Text,
        instrument_key -> Text,
        instrument_version -> Text,
        state -> Text,
        access -> Text,
        opens_on -> Date,
        closes_on -> Date,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        copied_from -> Nullable<Text>,
        revision -> BigInt,
        min_base -> Integer,
        min_cell -> Integer,
        sender -> Nullable<Text>,
        contact -> Nullable<Text>,
        languages -> Text,
    }
}

diesel::table! {
    survey_municipalities (survey_id, municipality_code) {
        survey_id -> Text,
        municipality_code -> Text,
        sample_size -> Integer,
        target_percent -> Nullable<Double>,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        survey_id -> Text,
        municipality_code -> Text,
        letter_serial -> Integer,
        code_hash -> Text,
        disposition -> Text,
        draft_section -> Nullable<Integer>,
    }
}

diesel::table! {
    letter_batches (id) {
        id -> Text,
        survey_id -> Text,
        municipality_code -> Text,
        first_serial -> Integer,
        last_serial -> Integer,
        issued_at -> Timestamp,
        issued_by -> Nullable<Text>,
        request_key -> Nullable<Text>,
        sealed -> Text,
        withdrawn_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(letter_batches -> surveys (survey_id));
diesel::joinable!(user_municipalities -> users (user_id));
diesel::joinable!(user_municipalities -> municipalities (municipality_code));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(survey_municipalities -> surveys (survey_id));
diesel::joinable!(survey_municipalities -> municipalities (municipality_code));
diesel::joinable!(invitations -> surveys (survey_id));

diesel::table! {
    population_margins (survey_id, municipality_code, item_id, option_code) {
        survey_id -> Text,
        municipality_code -> Text,
        item_id -> Text,
        option_code -> Text,
        population -> BigInt,
    }
}

diesel::joinable!(population_margins -> surveys (survey_id));
diesel::joinable!(population_margins -> municipalities (municipality_code));

diesel::table! {
    publications (survey_id) {
        survey_id -> Text,
        published_at -> Timestamp,
        published_by -> Nullable<Text>,
        compared_with -> Nullable<Text>,
        snapshot -> Text,
    }
}

diesel::table! {
    promises (id) {
        id -> Text,
        municipality_code -> Text,
        title -> Text,
        text -> Text,
        responsible -> Text,
        starts_on -> Date,
        ends_on -> Date,
        status -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    promise_targets (promise_id, position) {
        promise_id -> Text,
        position -> Integer,
        kind -> Text,
        target_id -> Text,
    }
}

diesel::joinable!(promise_targets -> promises (promise_id));

diesel::table! {
    comment_reviews (response_id, item_id) {
        response_id -> Text,
        item_id -> Text,
        survey_id -> Text,
        shown_text -> Text,
        masked_passages -> Integer,
        approved -> Bool,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    letter_batches,
    counties,
    municipalities,
    users,
    user_municipalities,
    sessions,
    api_tokens,
    setup_tokens,
    auth_throttle,
    audit_events,
    surveys,
    survey_municipalities,
    invitations,
    population_margins,
    publications,
    promises,
    promise_targets,
    comment_reviews,
    responses,
    submissions,
    instruments,
    translation_reviews,
    drafts,
    spent_resume_codes,
    completion_tallies,
    disposition_tallies,
    progress_tallies,
);

diesel::table! {
    responses (id) {
        id -> Text,
        survey_id -> Text,
        municipality_code -> Text,
        mode -> Text,
        submitted_on -> Date,
        instrument_version -> Text,
        language -> Text,
        settled -> Bool,
        answers -> Text,
    }
}

diesel::table! {
    submissions (submission_id) {
        submission_id -> Text,
        survey_id -> Text,
        submitted_on -> Date,
    }
}

diesel::table! {
    spent_resume_codes (code_hash) {
        code_hash -> Text,
        survey_id -> Text,
    }
}

diesel::table! {
    drafts (key_hash) {
        key_hash -> Text,
        survey_id -> Text,
        municipality_code -> Text,
        reached_section -> Integer,
        updated_on -> Date,
        sealed -> Text,
    }
}

diesel::table! {
    legacy_drafts (key_hash) {
        key_hash -> Text,
        survey_id -> Text,
        municipality_code -> Text,
        language -> Text,
        answers -> Text,
        reached_section -> Integer,
        submission_id -> Text,
        updated_on -> Date,
    }
}

diesel::table! {
    completion_tallies (survey_id, municipality_code, day, mode) {
        survey_id -> Text,
        municipality_code -> Text,
        day -> Date,
        mode -> Text,
        submitted -> Integer,
        partial -> Integer,
        break_off -> Integer,
        without_letter -> Integer,
    }
}

diesel::table! {
    disposition_tallies (survey_id, municipality_code, disposition) {
        survey_id -> Text,
        municipality_code -> Text,
        disposition -> Text,
        letters -> Integer,
    }
}

diesel::table! {
    progress_tallies (survey_id, municipality_code, section) {
        survey_id -> Text,
        municipality_code -> Text,
        section -> Integer,
        drafts -> Integer,
    }
}

diesel::table! {
    translation_reviews (instrument_key, instrument_version, language) {
        instrument_key -> Text,
        instrument_version -> Text,
        language -> Text,
        reviewer -> Text,
        recorded_by -> Nullable<Text>,
        reviewed_at -> Timestamp,
    }
}

diesel::table! {
    instruments (instrument_key, version) {
        instrument_key -> Text,
        version -> Text,
        title -> Text,
        document -> Text,
        imported_by -> Nullable<Text>,
        imported_at -> Timestamp,
    }
}

diesel::joinable!(instruments -> users (imported_by));
