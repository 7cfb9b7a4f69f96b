require('express'); require('pg');
