select * from {{ ref('int_figure_issues') }}
