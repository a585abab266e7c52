{#-
    Source precedence for published figures, one row per figure:
    1. A figure is revised when a later publication of the same fact in the same currency
       disagrees with it beyond rounding; the later vintage wins.
    2. A US-dollar figure must agree with the best yuan figure of the same fact: its interval must
       meet [yuan / highest monthly rate of the period, yuan / lowest monthly rate], widened by
       `usd_cny_tolerance_pct`. One that does not is rejected (a hard rule: it never reaches the
       facts).
    3. Among what is left, per fact and currency: the more authoritative source, then the more
       precise figure, then an exact figure over a bound, then the later publication.
-#}

with

figures as (
    select * from {{ ref('int_published_figures_normalised') }}
),

valued as (
    select * from figures
    where value_native is not null
),

revisions as (
    select
        earlier.figure_id,
        max(later.figure_id) as revised_by_figure_id
    from valued as earlier
    inner join valued as later
        on
            {{ same_fact('earlier', 'later') }}
            and earlier.currency = later.currency
            and earlier.published_on < later.published_on
            and not {{ intervals_overlap('earlier', 'later') }}
    group by earlier.figure_id
),

not_revised as (
    select valued.*
    from valued
    left join revisions
        on valued.figure_id = revisions.figure_id
    where revisions.figure_id is null
),

cny_ranked as (
    select
        *,
        row_number() over (
            partition by {{ fact_key_columns() | join(', ') }}
            order by {{ figure_precedence_order() }}
        ) as cny_rank
    from not_revised
    where currency = 'CNY'
),

best_cny as (
    select * from cny_ranked
    where cny_rank = 1
),

usd_checks as (
    select
        usd.figure_id,
        best_cny.figure_id as usd_checked_against_figure_id,
        best_cny.value_native / usd.cny_per_usd as usd_expected_from_cny,
        -- Any trade-weighted mix of the period's monthly rates lies between these two.
        best_cny.lower_bound_native / usd.cny_per_usd_max as usd_expected_low,
        coalesce(best_cny.upper_bound_native, best_cny.value_native) / usd.cny_per_usd_min as usd_expected_high,
        usd.lower_bound_native as usd_low,
        coalesce(usd.upper_bound_native, usd.value_native) as usd_high
    from not_revised as usd
    inner join best_cny
        on {{ same_fact('usd', 'best_cny') }}
    where usd.currency = 'USD'
),

usd_verdicts as (
    select
        *,
        usd_high < usd_expected_low * (1 - {{ var('usd_cny_tolerance_pct') }} / 100.0)
        or usd_low > usd_expected_high * (1 + {{ var('usd_cny_tolerance_pct') }} / 100.0) as is_usd_cny_mismatch
    from usd_checks
),

eligible as (
    select not_revised.*
    from not_revised
    left join usd_verdicts
        on not_revised.figure_id = usd_verdicts.figure_id
    where not coalesce(usd_verdicts.is_usd_cny_mismatch, false)
),

ranked as (
    select
        figure_id,
        row_number() over (
            partition by {{ fact_key_columns() | join(', ') }}, currency
            order by {{ figure_precedence_order() }}
        ) as precedence_rank
    from eligible
),

final as (
    select
        figures.*,
        revisions.revised_by_figure_id,
        usd_verdicts.usd_checked_against_figure_id,
        usd_verdicts.usd_expected_from_cny,
        usd_verdicts.usd_expected_low,
        usd_verdicts.usd_expected_high,
        coalesce(usd_verdicts.is_usd_cny_mismatch, false) as is_usd_cny_mismatch,
        ranked.precedence_rank,
        coalesce(ranked.precedence_rank = 1, false) as is_selected
    from figures
    left join revisions
        on figures.figure_id = revisions.figure_id
    left join usd_verdicts
        on figures.figure_id = usd_verdicts.figure_id
    left join ranked
        on figures.figure_id = ranked.figure_id
)

select * from final
