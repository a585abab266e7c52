with

scopes as (
    select * from {{ ref('ref_partner_scopes') }}
),

membership as (
    select * from {{ ref('int_partner_bloc_membership') }}
),

member_counts as (
    select
        bloc_code,
        count(distinct partner_iso3) as members_ever,
        count(distinct case when valid_to is null then partner_iso3 end) as members_now
    from membership
    group by bloc_code
),

final as (
    select
        scopes.bloc_code,
        scopes.name_en as bloc_name_en,
        scopes.note,
        coalesce(member_counts.members_ever, 0) as members_ever,
        coalesce(member_counts.members_now, 0) as members_now
    from scopes
    left join member_counts
        on scopes.bloc_code = member_counts.bloc_code
    where scopes.bloc_code is not null
)

select * from final
