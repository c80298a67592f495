//! Code entry against guessing, when residents share an address: typos are no guesses, an address past its allowance
//! of unknown codes is paced (seconds, never a lock-out) while a real attack from it gets nowhere, browsers already
//! answering go on unpaced, and a ceiling for everyone together holds back many addresses at once.

use crate::answer::{Resident, mistyped, open_survey, unknown_code};
use crate::helpers::{Backend, TestApp, spawn_app, spawn_app_with};
use crate::on_both_backends;
use trygghet::domain::code_entry::{ALLOWANCE, CEILING, PACE, SHARED_PACE};

/// The value of one metric line (`name` with its labels, as the text format writes it), 0 when absent.
async fn metric(app: &TestApp, name: &str) -> u64 {
    let text = app.get("/metrics").await.text().await.unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .map_or(0, |value| value.trim().parse().unwrap())
}

/// Types `code` on the start page as a resident does and follows the redirect to the code's page.
async fn type_code(resident: &mut Resident, code: &str) -> crate::answer::Page {
    resident.get("/").await;
    let typed = resident.post("/svara", &[("code", code)]).await;
    match typed.status {
        303 => resident.get(typed.location.as_deref().unwrap()).await,
        _ => typed,
    }
}

async fn residents_behind_one_address_all_get_in(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (_, codes) = open_survey(&staff, 200, "codes").await;

    // 200 residents behind one address (every request here comes from 127.0.0.1): 30 of them mistype their code
    // first, 25 type a well-formed code that is not theirs (an old letter, two typos that happen to check out).
    let (mut typos, mut unknown, mut welcomed) = (0, 0, 0);
    for (n, code) in codes.iter().enumerate() {
        let mut resident = Resident::new(&app);
        if n % 20 < 3 {
            let page = type_code(&mut resident, &mistyped(code)).await;
            assert_eq!(page.status, 422, "a typo is explained at once: {}", page.body);
            typos += 1;
        }
        if n % 8 == 5 && unknown < 25 {
            let page = type_code(&mut resident, &unknown_code()).await;
            assert_eq!(page.status, 404, "{}", page.body);
            assert!(page.body.contains("Koden hittades inte"));
            unknown += 1;
        }
        let page = type_code(&mut resident, code).await;
        assert_eq!(page.status, 200, "resident {n} gets in: {}", page.body);
        welcomed += 1;
    }
    assert_eq!((typos, unknown, welcomed), (30, 25, 200));

    // Typos were never looked up; the unknown codes were, and stayed within the address's allowance.
    assert_eq!(metric(&app, "trygghet_code_lookups_unknown_total").await, 25);
    assert_eq!(metric(&app, r#"trygghet_code_lookups_refused_total{reason="address"}"#).await, 0);
    assert_eq!(metric(&app, r#"trygghet_code_entry_paced_total{scope="address"}"#).await, 0);
}
on_both_backends!(residents_behind_one_address_all_get_in, super::residents_behind_one_address_all_get_in);

async fn a_paced_address_slows_residents_for_seconds_and_stops_a_guesser(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (_, codes) = open_survey(&staff, 3, "codes").await;
    // A resident who is already answering, behind the same address as everyone below.
    let mut answering = Resident::new(&app);
    assert_eq!(type_code(&mut answering, &codes[0]).await.status, 200);
    assert_eq!(answering.save(&codes[0], 1, &[("q.littering", "small")], "next").await.status, 303);

    // A guesser behind the address sends 100 well-formed codes as fast as it can: past the allowance, almost all are
    // refused without a lookup, each with a wait of at most the pace.
    let mut guesser = Resident::with_language(&app, Some("en"));
    let (mut looked_up, mut refused) = (0, 0);
    for _ in 0..100 {
        let code = unknown_code();
        let page = guesser.get(&format!("/svara/{code}")).await;
        match page.status {
            404 => looked_up += 1,
            429 => {
                refused += 1;
                let wait = page.retry_after.expect("Retry-After");
                assert!((1..=PACE.num_seconds() as u64).contains(&wait), "{wait}");
                assert!(page.body.contains(&format!("Please wait {wait} seconds")), "{}", page.body);
                assert!(page.body.contains(&format!(r#"value="{code}""#)), "the code stays in the field");
            }
            other => panic!("unexpected {other}: {}", page.body),
        }
    }
    assert!((ALLOWANCE..50).contains(&looked_up), "{looked_up} lookups");
    assert_eq!(looked_up + refused, 100);
    assert_eq!(metric(&app, "trygghet_code_lookups_unknown_total").await, looked_up as u64);
    assert_eq!(metric(&app, r#"trygghet_code_lookups_refused_total{reason="address"}"#).await, refused as u64);
    assert_eq!(metric(&app, r#"trygghet_code_entry_paced_total{scope="address"}"#).await, 1, "said once");

    // The guesser takes the next slot (after waiting as told), so the address's next one is seconds away.
    loop {
        let page = guesser.get(&format!("/svara/{}", unknown_code())).await;
        match page.retry_after {
            Some(wait) => tokio::time::sleep(std::time::Duration::from_secs(wait)).await,
            None => break,
        }
    }
    // A resident typing a real code now is asked to wait, in Swedish, with the code kept; after the wait, in.
    let mut newcomer = Resident::new(&app);
    let paced = type_code(&mut newcomer, &codes[1]).await;
    assert_eq!(paced.status, 429, "{}", paced.body);
    let wait = paced.retry_after.expect("Retry-After");
    assert!(wait <= PACE.num_seconds() as u64);
    assert!(paced.body.contains(&format!("Vänta {wait} sekunder")), "{}", paced.body);
    assert!(paced.body.contains(&format!(r#"value="{}""#, codes[1])), "the code stays in the field");
    // A page posted from a browser without the code's pass is kept, every field, to be sent again.
    let mut other_device = Resident::new(&app);
    other_device.get("/").await;
    let section = format!("/svara/{}/del/1", codes[2]);
    let kept = other_device.post(&section, &[("q.littering", "very_big"), ("action", "next")]).await;
    assert_eq!(kept.status, 429, "{}", kept.body);
    assert!(kept.body.contains(r#"name="q.littering" value="very_big""#), "{}", kept.body);
    assert!(kept.body.contains(&format!(r#"action="{section}""#)));
    // The resident already answering is not held up: the browser shows its pass for its code.
    assert_eq!(answering.save(&codes[0], 2, &[("q.drug_dealing", "small")], "next").await.status, 303);

    tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
    assert_eq!(newcomer.get(&format!("/svara/{}", codes[1])).await.status, 200, "in after seconds");
    // The newcomer's own next pages go on at once.
    assert_eq!(newcomer.save(&codes[1], 1, &[("q.littering", "none")], "next").await.status, 303);
}
on_both_backends!(
    a_paced_address_slows_residents_for_seconds_and_stops_a_guesser,
    super::a_paced_address_slows_residents_for_seconds_and_stops_a_guesser
);

async fn many_addresses_together_meet_the_ceiling(backend: Backend) {
    let Some(app) = spawn_app_with(backend, &[("TRYGGHET_TRUST_FORWARDED_FOR", "true")]).await else { return };
    let staff = app.staff("samordnare@hagfors.se", "coordinator", &["1783", "1762"]).await;
    let (_, codes) = open_survey(&staff, 2, "codes").await;

    // Twenty addresses, each within its allowance, together reach the ceiling.
    let per_address = 25;
    assert!(per_address < ALLOWANCE && 20 * per_address == CEILING);
    let mut bots: Vec<Resident> =
        (0..20).map(|n| Resident::from_address(&app, &format!("198.51.100.{n}"), None)).collect();
    for bot in &mut bots {
        for _ in 0..per_address {
            assert_eq!(bot.get(&format!("/svara/{}", unknown_code())).await.status, 404);
        }
    }
    assert_eq!(metric(&app, r#"trygghet_code_entry_paced_total{scope="everyone"}"#).await, 1);

    // An address that has tried no unknown code is not held up.
    let mut resident = Resident::from_address(&app, "203.0.113.9", None);
    assert_eq!(type_code(&mut resident, &codes[0]).await.status, 200);
    // Addresses that tried unknown codes now share one gate: of lookups sent at once, most wait their turn.
    let mut statuses = Vec::new();
    for bot in &mut bots[..5] {
        let page = bot.get(&format!("/svara/{}", unknown_code())).await;
        if page.status == 429 {
            assert!(page.retry_after.unwrap() <= SHARED_PACE.num_seconds() as u64);
        }
        statuses.push(page.status);
    }
    assert!(statuses.iter().all(|status| [404, 429].contains(status)), "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
    assert!(metric(&app, r#"trygghet_code_lookups_refused_total{reason="ceiling"}"#).await >= 1);
    // A resident behind such an address waits a second, not more, and gets in.
    let mut neighbour = Resident::from_address(&app, "198.51.100.0", None);
    let mut page = type_code(&mut neighbour, &codes[1]).await;
    while let Some(wait) = page.retry_after {
        tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
        page = neighbour.get(&format!("/svara/{}", codes[1])).await;
    }
    assert_eq!(page.status, 200, "{}", page.body);
}
on_both_backends!(many_addresses_together_meet_the_ceiling, super::many_addresses_together_meet_the_ceiling);
