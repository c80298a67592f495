//! The same figures of an earlier wave beside this one's: the change, its 95 % interval, and whether it is
//! significant at 5 %. Indices are compared with Welch's t test (unequal variances, Welch–Satterthwaite degrees of
//! freedom from each estimate's variance and degrees of freedom); shares with a two-proportion z test (pooled for the
//! test, unpooled for the interval), on effective sample sizes. Items match by id, or by the earlier id an item
//! declares it replaces. A figure hidden in either wave has its change hidden too.

use std::collections::HashMap;

use super::compute::Results;
use super::figures::{Change, GroupResults, IndexResult, ShareResult, Spread};
use super::stats;

/// Puts the earlier wave's figures beside `current`'s; `replaces` maps an item id to the id it replaces.
pub fn compare(current: &mut Results, earlier: &Results, replaces: &HashMap<String, String>) {
    for group in &mut current.municipalities {
        if let Some(before) = earlier.municipalities.iter().find(|before| before.code == group.code) {
            compare_group(group, before, replaces);
        }
    }
    if let (Some(group), Some(before)) = (&mut current.total, &earlier.total) {
        compare_group(group, before, replaces);
    }
}

fn compare_group(group: &mut GroupResults, before: &GroupResults, replaces: &HashMap<String, String>) {
    for item in &mut group.items {
        let earlier_id = replaces.get(&item.id).unwrap_or(&item.id);
        if let Some(then) = before.items.iter().find(|then| &then.id == earlier_id) {
            item.earlier = index_change(item.index, item.spread, then.index, then.spread, then.suppressed);
        }
    }
    for area in &mut group.areas {
        if let Some(then) = before.areas.iter().find(|then| then.id == area.id) {
            area.earlier = compare_index(area, then);
        }
    }
    group.total.earlier = compare_index(&group.total, &before.total);
    for share in &mut group.shares {
        let earlier_id = replaces.get(&share.id).unwrap_or(&share.id);
        if let Some(then) = before.shares.iter().find(|then| &then.id == earlier_id) {
            share.earlier = share_change(share, then);
        }
    }
    for part in &mut group.groups {
        if let Some(then) = before.groups.iter().find(|then| then.code == part.code) {
            compare_group(part, then, replaces);
        }
    }
}

fn compare_index(now: &IndexResult, then: &IndexResult) -> Option<Change> {
    index_change(now.index, now.spread, then.index, then.spread, then.suppressed)
}

fn index_change(
    now: Option<f64>,
    spread: Spread,
    then: Option<f64>,
    then_spread: Spread,
    hidden: bool,
) -> Option<Change> {
    let then = then?;
    if hidden {
        return Some(hidden_change("welch"));
    }
    let now = now?;
    if spread.effective_n < 2.0 || then_spread.effective_n < 2.0 {
        return Some(untested(then, now - then, "welch"));
    }
    let Some(test) = stats::welch(now, spread.variance, spread.df, then, then_spread.variance, then_spread.df) else {
        return Some(untested(then, now - then, "welch"));
    };
    Some(Change {
        earlier: Some(then),
        change: Some(test.difference),
        ci95: Some(test.ci95),
        p_value: Some(test.p_value),
        significant: Some(test.significant),
        test: "welch",
        suppressed: false,
    })
}

fn share_change(now: &ShareResult, then: &ShareResult) -> Option<Change> {
    if then.suppressed {
        return Some(hidden_change("two_proportions"));
    }
    let (now_percent, then_percent) = (now.percent?, then.percent?);
    let (now_share, then_share) = (now_percent / 100.0, then_percent / 100.0);
    let test = stats::two_proportions(now_share, now.spread.effective_n, then_share, then.spread.effective_n);
    let Some(test) = test else {
        return Some(untested(then_percent, now_percent - then_percent, "two_proportions"));
    };
    Some(Change {
        earlier: Some(then_percent),
        change: Some(100.0 * test.difference),
        ci95: Some([100.0 * test.ci95[0], 100.0 * test.ci95[1]]),
        p_value: Some(test.p_value),
        significant: Some(test.significant),
        test: "two_proportions",
        suppressed: false,
    })
}

/// A change shown without an interval or a test (too few answers, or no spread on either side).
fn untested(earlier: f64, change: f64, test: &'static str) -> Change {
    Change { earlier: Some(earlier), change: Some(change), suppressed: false, ..hidden_change(test) }
}

fn hidden_change(test: &'static str) -> Change {
    Change { earlier: None, change: None, ci95: None, p_value: None, significant: None, test, suppressed: true }
}
