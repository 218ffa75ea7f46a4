-- Databases Fineract expects at first start (tenant store and the default tenant).
CREATE DATABASE IF NOT EXISTS fineract_tenants;
CREATE DATABASE IF NOT EXISTS fineract_default;
