with

scopes as (
    select * from {{ ref('ref_partner_scopes') }}
),

final as (
    select
        partner_scope,
        scope_kind,
        bloc_code,
        name_en as partner_scope_name_en,
        note
    from scopes
)

select * from final
