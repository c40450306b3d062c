//! No alert storms: folding pending outbox rows into one message per
//! recipient and window, and each channel's rate limit.
//!
//! - **Windows.** A recipient's pending rows wait until the oldest is
//!   `digest_window_secs` old; then all of them become one message (a
//!   digest when more than one). A Monday-morning backlog of a thousand due
//!   timers, committed within the window, becomes one message per
//!   recipient.
//! - **Rate limits.** A channel may take `messages` requests in any
//!   `per_secs` seconds. Requests are counted from the attempts table
//!   (durable, and shared by every worker on one database); a request under
//!   way counts. Rows are folded for a channel only while it has room for
//!   another message beside those already waiting; otherwise they stay
//!   pending and fold into a larger digest later, so a throttled channel
//!   never accumulates a queue of small messages.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use sqlx::{Any, Transaction};

use crate::error::{corrupt, Result};
use crate::{store as db, Runtime};

use super::config::{Channel, Channels};
use super::message::{due_of, render, zone_of, Item};
use super::store::{attempts_since, insert_delivery, pending_of, pending_outbox, OutboxRow};

/// How many pending outbox rows one fold reads.
const FOLD_LIMIT: i64 = 20_000;

/// How many more requests `channel` may take at `now`.
pub(crate) async fn budget(
    tx: &mut Transaction<'static, Any>,
    channel: &Channel,
    now: DateTime<Utc>,
) -> Result<i64> {
    let window = TimeDelta::seconds(i64::try_from(channel.rate_limit.per_secs).unwrap_or(60));
    let used = attempts_since(tx, &channel.name, now - window).await?;
    Ok(i64::from(channel.rate_limit.messages) - used)
}

/// Folds the pending outbox rows that are ready at `now` into messages;
/// returns how many messages it made (dead letters for recipients without
/// a channel included).
pub(crate) async fn fold(
    runtime: &Runtime,
    channels: &Channels,
    now: DateTime<Utc>,
) -> Result<usize> {
    let mut tx = db::begin(runtime.pool(), runtime.backend()).await?;
    let rows = pending_outbox(&mut tx, runtime.backend(), FOLD_LIMIT).await?;
    let mut groups: BTreeMap<String, Vec<OutboxRow>> = BTreeMap::new();
    for row in rows {
        groups.entry(row.recipient.clone()).or_default().push(row);
    }
    let window =
        TimeDelta::seconds(i64::try_from(channels.settings.digest_window_secs).unwrap_or(0));
    // Room per channel for more messages: its budget less those waiting.
    let mut room: HashMap<String, i64> = HashMap::new();
    let mut made = 0;
    for (recipient, rows) in groups {
        let oldest = rows
            .iter()
            .map(|row| row.created_at)
            .min()
            .expect("a group is not empty");
        if oldest + window > now {
            continue;
        }
        let channel = channels.route(&recipient);
        if let Some(channel) = channel {
            let free = match room.get(&channel.name) {
                Some(free) => *free,
                None => {
                    budget(&mut tx, channel, now).await?
                        - pending_of(&mut tx, &channel.name).await?
                }
            };
            if free <= 0 {
                room.insert(channel.name.clone(), free);
                continue;
            }
            room.insert(channel.name.clone(), free - 1);
        }
        let mut items = Vec::with_capacity(rows.len());
        let mut zones = HashMap::new();
        for row in rows {
            let (item, zone) = item(runtime, row).await?;
            zones.insert(item.outbox_id, zone);
            items.push(item);
        }
        let zone = |item: &Item| zones[&item.outbox_id];
        let message = render(&recipient, items, &zone, now);
        let error = channel.is_none().then(|| {
            format!(
                "没有为「{recipient}」配置通知渠道 (no channel for `{recipient}`: add a route or a default to [notify])"
            )
        });
        insert_delivery(
            &mut tx,
            channel.map(|c| c.name.as_str()),
            &message,
            error.as_deref(),
            now,
        )
        .await?;
        made += 1;
    }
    tx.commit().await?;
    Ok(made)
}

/// An outbox row with its definition's context, and the zone its times are shown in.
async fn item(runtime: &Runtime, row: OutboxRow) -> Result<(Item, FixedOffset)> {
    let event: sopflow::exec::Event = serde_json::from_str(&row.event).map_err(corrupt)?;
    let definition = runtime.definition(&row.process, row.version).await?;
    let id = match row.step.as_deref() {
        Some(key) => definition.find(key),
        None => definition.start(),
    };
    let owners = id
        .map(|id| definition.step(id).owners.clone())
        .unwrap_or_default();
    let due = due_of(&event);
    let zone = zone_of(&definition, due.unwrap_or(event.at));
    let item = Item {
        outbox_id: row.id,
        instance: row.instance,
        process: row.process,
        version: row.version,
        kind: row.kind,
        step: row.step,
        level: row.level,
        recipient: row.recipient,
        owners,
        due,
        event,
    };
    Ok((item, zone))
}
