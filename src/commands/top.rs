//! `/papers top [week|month]`: the best papers of the past week or month by their votes, with
//! this channel's filters when it is subscribed (the ranking of the weekly post, on demand).

use chrono::NaiveDate;

use super::{send_messages, today_for, user_error, Context, Error};
use crate::digest::Digest;
use crate::ranking::{top_papers, Period};
use crate::render::{span, top_messages};

/// Papers a ranking shows unless asked otherwise.
pub const DEFAULT_TOP: u32 = 10;

/// How far back `/papers top` looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poise::ChoiceParameter)]
pub enum TopPeriod {
    #[name = "week"]
    Week,
    #[name = "month"]
    Month,
}

/// The best papers of the past week or month by votes (this channel's filters when subscribed).
#[poise::command(slash_command)]
pub async fn top(
    ctx: Context<'_>,
    #[description = "The past week (default) or month"] period: Option<TopPeriod>,
    #[description = "How many papers (default 10)"]
    #[min = 1]
    #[max = 25]
    count: Option<u32>,
) -> Result<(), Error> {
    let data = ctx.data();
    let lang = super::reader_language(ctx).await;
    let period = match period.unwrap_or(TopPeriod::Week) {
        TopPeriod::Week => Period::Week,
        TopPeriod::Month => Period::Month,
    };
    let n = count.unwrap_or(DEFAULT_TOP).clamp(1, 25) as usize;
    // The period ends before the channel's today, which is never ahead of UTC's.
    let today = today_for(ctx).await? + chrono::Duration::days(1);
    let dates: Vec<NaiveDate> = period.dates(today);
    let mut days: Vec<Digest> = Vec::with_capacity(dates.len());
    for date in &dates {
        if let Some(digest) = data.store.digest(*date).await? {
            days.push(digest);
        }
    }
    let channel_id = ctx.channel_id().get();
    let sub = data.store.subscription(channel_id).await?;
    let filter = match &sub {
        Some(sub) => {
            let keywords = data.store.keywords(channel_id).await?;
            crate::channel::filter_for(Some(sub), &keywords)
        }
        None => crate::filter::Filter::default(),
    };
    let ranked = top_papers(&days, &filter, n);
    let shown_span = span(&dates);
    if ranked.is_empty() {
        let key = if filter.is_empty() {
            "top-none"
        } else {
            "top-none-filtered"
        };
        return Err(user_error(crate::t!(&lang, key, span = shown_span)));
    }
    let key = match period {
        Period::Week => "top-header-week",
        Period::Month => "top-header-month",
    };
    let mut header = crate::t!(&lang, key, count = ranked.len(), span = shown_span.clone());
    if !filter.is_empty() {
        header.push(' ');
        header.push_str(&crate::t!(&lang, "top-filtered"));
    }
    let messages = top_messages(&header, &ranked, None);
    // Long answers are for the asker alone; a short one may be shared with the channel.
    let ephemeral = messages.len() > 1;
    send_messages(ctx, &messages, ephemeral).await
}
