-- The mock ESET API (the eset-mock service) keeps its companies and licences in a database
-- of its own, as ESET does: the platform's database never holds the mock's tables' data.
CREATE DATABASE eset_mock;
