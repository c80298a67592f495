//! Free-text comments: coordinators read them and mask what points to a person; viewers and open data get only
//! approved comments as masked; the audit log records reviews without the text.

use trygghet::domain::instrument::default_instrument;

use crate::helpers::{Backend, Browser, spawn_app};
use crate::on_both_backends;
use crate::results::{answers, enter, open_survey};

const WRITTEN: &str = "Sven Ek på Storgatan 3 spelar hög musik varje natt. Ring sven ek!";
const UNREVIEWED: &str = "Gatlyktorna vid skolan är trasiga sedan i våras.";

/// Hagfors' comments page as a staff member sees it.
async fn page_of(who: &Browser, id: &str) -> String {
    who.get(&format!("/admin/surveys/{id}/comments?municipality=1783")).await.text().await.unwrap()
}

/// The response id of the comment `written`, from the coordinator's page.
fn response_of(page: &str, written: &str) -> String {
    let marker = "id=\"c-";
    let at = page.find(written).expect("the comment");
    let start = page[..at].rfind(marker).expect("its response") + marker.len();
    page[start..start + 36].to_owned()
}

async fn comments_are_masked_approved_and_only_then_read(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let instrument = default_instrument().unwrap();
    let admin = app.staff("anna@polisen.se", "admin", &[]).await;
    let id = open_survey(&admin).await;
    let mut fields = answers(&instrument, 1, true);
    fields.push(("q.comment".to_owned(), WRITTEN.to_owned()));
    enter(&admin, &id, "1783", &fields).await;
    enter(&admin, &id, "1762", &answers(&instrument, 0, true)).await;
    // Another of Hagfors' comments, which nobody reviews: it stays the coordinator's alone.
    let mut fields = answers(&instrument, 2, true);
    fields.push(("q.comment".to_owned(), UNREVIEWED.to_owned()));
    enter(&admin, &id, "1783", &fields).await;

    let coordinator = app.staff("mia@hagfors.se", "coordinator", &["1783"]).await;
    let viewer = app.staff("vera@hagfors.se", "viewer", &["1783"]).await;
    let torsby = app.staff("tor@torsby.se", "coordinator", &["1737"]).await;
    let page = page_of(&coordinator, &id).await;
    assert!(page.contains(WRITTEN) && page.contains(UNREVIEWED), "the coordinator reads the originals");
    assert!(!page.contains("Mörkt vid busshållplatsen"), "Munkfors' comment is not Hagfors'");
    let response = response_of(&page, WRITTEN);
    let viewed = page_of(&viewer, &id).await;
    assert!(!viewed.contains("Storgatan") && viewed.contains("Inga kommentarer är godkända ännu."));
    assert_eq!(torsby.get(&format!("/admin/surveys/{id}/comments?municipality=1783")).await.status(), 404);

    let review = format!("/admin/surveys/{id}/comments/{response}/comment");
    let form = |action: &'static str, passage: &'static str| {
        vec![("action", action), ("passage", passage), ("municipality", "1783")]
    };
    // A passage that is not there is refused next to the field, with what was typed.
    let refused = coordinator.post_form(&review, &form("mask", "Kungsgatan")).await;
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("Stycket finns inte i kommentaren") && refused.contains("value=\"Kungsgatan\""));
    assert_eq!(viewer.post_form(&review, &form("approve", "")).await.status(), 403);

    assert_eq!(coordinator.post_form(&review, &form("mask", "sven ek")).await.status(), 303);
    assert!(!page_of(&viewer, &id).await.contains("[dolt]"), "masked but not approved: viewers see nothing yet");
    assert_eq!(coordinator.post_form(&review, &form("mask", "Storgatan 3")).await.status(), 303);
    assert_eq!(coordinator.post_form(&review, &form("approve", "")).await.status(), 303);
    let shown = "[dolt] på [dolt] spelar hög musik varje natt. Ring [dolt]!";
    let viewed = page_of(&viewer, &id).await;
    assert!(viewed.contains(shown) && !viewed.contains("Sven"), "viewers read the masked text only");
    assert!(!viewed.contains(UNREVIEWED), "the review is the one comment's, not the other's");
    assert!(page_of(&coordinator, &id).await.contains(UNREVIEWED));

    // Open data carries the approved text only.
    let csv = admin.get(&format!("/api/v1/surveys/{id}/responses.csv?format=rfc4180&free_text=1")).await;
    let csv = csv.text().await.unwrap();
    assert!(csv.contains(shown) && !csv.contains("Sven") && !csv.contains("Mörkt vid"), "{csv}");
    assert!(!csv.contains(UNREVIEWED), "{csv}");

    // A response stored later rewrites the fresh ones under new ids (`app::responses`): the review goes along.
    enter(&admin, &id, "1762", &answers(&instrument, 3, true)).await;
    let moved = response_of(&page_of(&coordinator, &id).await, WRITTEN);
    assert_ne!(moved, response, "the reviewed response was rewritten under a new id");
    assert!(page_of(&viewer, &id).await.contains(shown), "and is still approved under it");
    let stale = coordinator.post_form(&review, &form("mask", "natt")).await;
    assert_eq!(stale.status(), 404, "a review from a page read before the rewrite is not kept under the old id");
    let review = format!("/admin/surveys/{id}/comments/{moved}/comment");

    // The log says who reviewed what, never the text.
    let details = app.query_strings("SELECT detail FROM audit_events WHERE action LIKE 'comment_%'");
    assert_eq!(details.len(), 3);
    assert!(details.iter().all(|detail| !detail.contains("Sven") && !detail.contains("Storgatan")));
    assert_eq!(coordinator.post_form(&review, &form("reset", "")).await.status(), 303);
    assert!(!page_of(&viewer, &id).await.contains("[dolt]"));
}

on_both_backends!(comments_masked, super::comments_are_masked_approved_and_only_then_read);
