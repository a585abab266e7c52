select
    bloc_code,
    partner_iso3,
    valid_from,
    valid_to,
    is_valid_from_known,
    source
from {{ ref('int_partner_bloc_membership') }}
