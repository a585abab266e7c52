{#-
    Who belongs to which partner bloc, and when: one row per membership spell, with valid_from
    inclusive and valid_to exclusive (null while still a member). A country that left on a day
    (the UK left the EU on 2020-01-31) is valid to the next day, so it counts for that month.
    Belt and Road membership comes from the signatories list: where the signing date is unknown
    the spell starts at the initiative's launch (2013-09-07) and `is_valid_from_known` is false.
-#}

with

blocs as (
    select * from {{ ref('ref_bloc_membership') }}
),

bri as (
    select * from {{ ref('ref_bri_members') }}
),

bloc_spells as (
    select
        bloc_code,
        iso3 as partner_iso3,
        joined_on as valid_from,
        {{ dbt.dateadd('day', 1, 'left_on') }} as valid_to,
        true as is_valid_from_known,
        source
    from blocs
),

bri_spells as (
    select
        'belt_and_road' as bloc_code,
        iso3 as partner_iso3,
        coalesce(likely_mou_date, cast('2013-09-07' as date)) as valid_from,
        {{ dbt.dateadd('day', 1, 'likely_exit_date') }} as valid_to,
        likely_mou_date is not null as is_valid_from_known,
        source
    from bri
),

unioned as (
    select * from bloc_spells
    union all
    select * from bri_spells
)

select
    bloc_code,
    partner_iso3,
    cast(valid_from as date) as valid_from,
    cast(valid_to as date) as valid_to,
    is_valid_from_known,
    source
from unioned
