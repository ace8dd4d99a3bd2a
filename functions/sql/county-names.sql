-- name: county-names
-- params: (none)
-- County names from the registry (org_units); empty without a registry.
SELECT code AS county_code, name
FROM org_units
WHERE level = 'county'
ORDER BY code
