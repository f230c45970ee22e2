//! The account primitives ([`Accounts`]) in SQL, for both engines. Each is one statement, or a
//! short transaction where two rows must change together; a unique key decides whether a name
//! is free, and the row a session or token is read from is joined to its user in the same
//! statement, so the user's role is the current one.

use super::super::StoreError;
use super::super::accounts::{
    Accounts, Failures, NameTaken, NewTokenRecord, NewUserRecord, SetupRefused, TokenRecord,
    UserRecord,
};
use super::{Dialect, Sql, SqlStore};
use app::contract::{Role, TokenScope};

/// A user row: id, name, role, created_at.
type UserRow = (i64, String, String, i64);

/// The columns of a [`UserRow`] from `users u`.
const USER: &str = "u.id, u.name, u.role, u.created_at";

/// A token row: id, user_id, name, hint, scope, created_at, expires_at, last_used_at.
type TokenRow = (
    i64,
    i64,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
);

/// The columns of a [`TokenRow`] from `api_tokens t`.
const TOKEN: &str =
    "t.id, t.user_id, t.name, t.hint, t.scope, t.created_at, t.expires_at, t.last_used_at";

fn user((id, name, role, created_at): UserRow) -> Result<UserRecord, StoreError> {
    Ok(UserRecord {
        id,
        name,
        role: Role::named(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?,
        created_at,
    })
}

fn token(
    (id, user_id, name, hint, scope, created_at, expires_at, last_used_at): TokenRow,
) -> Result<TokenRecord, StoreError> {
    Ok(TokenRecord {
        id,
        user_id,
        name,
        hint,
        scope: TokenScope::named(&scope)
            .ok_or_else(|| StoreError::Corrupt(format!("scope {scope:?}")))?,
        created_at,
        expires_at,
        last_used_at,
    })
}

/// Whether `error` is a unique key refusing a row.
fn is_unique_violation(error: &StoreError) -> bool {
    matches!(error, StoreError::Database(e)
        if e.as_database_error().is_some_and(|d| d.is_unique_violation()))
}

/// Marks the base as changed for every replica's cache (see `crate::cache`): a replica that
/// remembers who a session or token belongs to forgets it when this moves.
const CHANGED: &str = "UPDATE lore_instance SET revision = revision + 1 WHERE id = 1";

over_dialect! {
impl<D: Dialect> SqlStore<D> {
    /// Runs `query` and marks the base as changed, in one transaction; how many rows `query`
    /// changed.
    async fn changing(&self, query: Sql<'_, D>) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin_with(D::BEGIN).await?;
        let changed = query.execute(&mut *tx).await?;
        Sql::<D>::new(CHANGED).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// The statement writing `record`, answering its row.
    fn insert_user<'v>(record: &NewUserRecord<'v>) -> Sql<'v, D> {
        let mut query =
            Sql::new("INSERT INTO users (name, password_hash, role, created_at) VALUES (");
        query
            .push_bind(record.name)
            .push(", ")
            .push_bind(record.password_hash)
            .push(", ")
            .push_bind(record.role.as_str())
            .push(", ")
            .push_bind(record.created_at)
            .push(") RETURNING id, name, role, created_at");
        query
    }
}
}

over_dialect! {
#[async_trait::async_trait]
impl<D: Dialect> Accounts for SqlStore<D>
{
    async fn user_count(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = Sql::<D>::new("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    async fn add_user(
        &self,
        record: &NewUserRecord<'_>,
    ) -> Result<Result<UserRecord, NameTaken>, StoreError> {
        match Self::insert_user(record).fetch_one::<UserRow>(&self.pool).await {
            Ok(row) => Ok(Ok(user(row)?)),
            Err(error) if is_unique_violation(&error) => Ok(Err(NameTaken)),
            Err(error) => Err(error),
        }
    }

    async fn add_setup_code(&self, code_hash: &str, expires_at: i64) -> Result<(), StoreError> {
        let mut query = Sql::<D>::new("INSERT INTO setup_codes (code_hash, expires_at) VALUES (");
        query.push_bind(code_hash).push(", ").push_bind(expires_at).push(")");
        query.execute(&self.pool).await?;
        Ok(())
    }

    async fn add_first_admin(
        &self,
        code_hash: &str,
        record: &NewUserRecord<'_>,
        now: i64,
    ) -> Result<Result<UserRecord, SetupRefused>, StoreError> {
        let mut tx = self.pool.begin_with(D::BEGIN).await?;
        // Holding the instance row queues a second set-up behind this one, which then finds
        // the user this one wrote (SQLite's write lock does the same from BEGIN IMMEDIATE).
        Sql::<D>::new(format!(
            "SELECT created_at FROM lore_instance WHERE id = 1{}",
            D::LOCK_ROWS
        ))
        .fetch_one::<(String,)>(&mut *tx)
        .await?;
        let (users,): (i64,) = Sql::<D>::new("SELECT COUNT(*) FROM users")
            .fetch_one(&mut *tx)
            .await?;
        if users > 0 {
            return Ok(Err(SetupRefused::HasUsers));
        }
        let mut live = Sql::<D>::new("SELECT COUNT(*) FROM setup_codes WHERE code_hash = ");
        live.push_bind(code_hash).push(" AND expires_at > ").push_bind(now);
        let (known,): (i64,) = live.fetch_one(&mut *tx).await?;
        if known == 0 {
            return Ok(Err(SetupRefused::UnknownCode));
        }
        let row: UserRow = Self::insert_user(record).fetch_one(&mut *tx).await?;
        Sql::<D>::new("DELETE FROM setup_codes").execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Ok(user(row)?))
    }

    async fn password_of(&self, name: &str) -> Result<Option<(UserRecord, String)>, StoreError> {
        let mut query = Sql::<D>::new(format!("SELECT {USER}, u.password_hash FROM users u WHERE u.name = "));
        query.push_bind(name);
        let row: Option<(i64, String, String, i64, String)> = query.fetch_optional(&self.pool).await?;
        row.map(|(id, name, role, created_at, hash)| Ok((user((id, name, role, created_at))?, hash)))
            .transpose()
    }

    async fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let rows: Vec<UserRow> = Sql::<D>::new(format!("SELECT {USER} FROM users u ORDER BY u.name"))
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(user).collect()
    }

    async fn set_password(&self, id: i64, password_hash: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin_with(D::BEGIN).await?;
        let mut update = Sql::<D>::new("UPDATE users SET password_hash = ");
        update.push_bind(password_hash).push(" WHERE id = ").push_bind(id);
        let changed = update.execute(&mut *tx).await? == 1;
        // Whoever knew the old password is signed out everywhere.
        let mut sessions = Sql::<D>::new("DELETE FROM sessions WHERE user_id = ");
        sessions.push_bind(id);
        sessions.execute(&mut *tx).await?;
        Sql::<D>::new(CHANGED).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(changed)
    }

    async fn set_role(&self, id: i64, role: Role) -> Result<bool, StoreError> {
        let mut query = Sql::<D>::new("UPDATE users SET role = ");
        query.push_bind(role.as_str()).push(" WHERE id = ").push_bind(id);
        Ok(self.changing(query).await? == 1)
    }

    async fn remove_user(&self, id: i64) -> Result<bool, StoreError> {
        // Sessions and tokens go with it (ON DELETE CASCADE); revisions keep the name as text.
        let mut query = Sql::<D>::new("DELETE FROM users WHERE id = ");
        query.push_bind(id);
        Ok(self.changing(query).await? == 1)
    }

    async fn add_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let mut query = Sql::<D>::new(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (",
        );
        query
            .push_bind(token_hash)
            .push(", ")
            .push_bind(user_id)
            .push(", ")
            .push_bind(now)
            .push(", ")
            .push_bind(expires_at)
            .push(")");
        query.execute(&self.pool).await?;
        Ok(())
    }

    async fn session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(UserRecord, i64)>, StoreError> {
        let mut query = Sql::<D>::new(format!(
            "SELECT {USER}, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = "
        ));
        query.push_bind(token_hash).push(" AND s.expires_at > ").push_bind(now);
        let row: Option<(i64, String, String, i64, i64)> = query.fetch_optional(&self.pool).await?;
        row.map(|(id, name, role, created_at, expires_at)| {
            Ok((user((id, name, role, created_at))?, expires_at))
        })
        .transpose()
    }

    async fn extend_session(&self, token_hash: &str, expires_at: i64) -> Result<(), StoreError> {
        let mut query = Sql::<D>::new("UPDATE sessions SET expires_at = ");
        query.push_bind(expires_at).push(" WHERE token_hash = ").push_bind(token_hash);
        query.execute(&self.pool).await?;
        Ok(())
    }

    async fn remove_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let mut query = Sql::<D>::new("DELETE FROM sessions WHERE token_hash = ");
        query.push_bind(token_hash);
        self.changing(query).await?;
        Ok(())
    }

    async fn add_token(&self, record: &NewTokenRecord<'_>) -> Result<TokenRecord, StoreError> {
        let mut query = Sql::<D>::new(
            "INSERT INTO api_tokens (user_id, name, token_hash, hint, scope, created_at, expires_at) VALUES (",
        );
        query
            .push_bind(record.user_id)
            .push(", ")
            .push_bind(record.name)
            .push(", ")
            .push_bind(record.token_hash)
            .push(", ")
            .push_bind(record.hint)
            .push(", ")
            .push_bind(record.scope.as_str())
            .push(", ")
            .push_bind(record.created_at)
            .push(", ")
            .push_bind(record.expires_at)
            .push(format!(") RETURNING {}", TOKEN.replace("t.", "")));
        token(query.fetch_one(&self.pool).await?)
    }

    async fn token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(UserRecord, TokenRecord)>, StoreError> {
        let mut query = Sql::<D>::new(format!(
            "SELECT {USER}, {TOKEN} FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = "
        ));
        query
            .push_bind(token_hash)
            .push(" AND (t.expires_at IS NULL OR t.expires_at > ")
            .push_bind(now)
            .push(")");
        #[allow(clippy::type_complexity)]
        let row: Option<(
            i64, String, String, i64,
            i64, i64, String, String, String, i64, Option<i64>, Option<i64>,
        )> = query.fetch_optional(&self.pool).await?;
        row.map(|(uid, uname, role, ucreated, id, user_id, name, hint, scope, created_at, expires_at, last_used_at)| {
            Ok((
                user((uid, uname, role, ucreated))?,
                token((id, user_id, name, hint, scope, created_at, expires_at, last_used_at))?,
            ))
        })
        .transpose()
    }

    async fn touch_token(&self, id: i64, now: i64, granularity: i64) -> Result<(), StoreError> {
        let mut query = Sql::<D>::new("UPDATE api_tokens SET last_used_at = ");
        query
            .push_bind(now)
            .push(" WHERE id = ")
            .push_bind(id)
            .push(" AND (last_used_at IS NULL OR last_used_at <= ")
            .push_bind(now - granularity)
            .push(")");
        query.execute(&self.pool).await?;
        Ok(())
    }

    async fn tokens_of(&self, user_id: i64) -> Result<Vec<TokenRecord>, StoreError> {
        let mut query = Sql::<D>::new(format!("SELECT {TOKEN} FROM api_tokens t WHERE t.user_id = "));
        query.push_bind(user_id).push(" ORDER BY t.created_at DESC, t.id DESC");
        let rows: Vec<TokenRow> = query.fetch_all(&self.pool).await?;
        rows.into_iter().map(token).collect()
    }

    async fn remove_token(&self, user_id: i64, id: i64) -> Result<Option<TokenRecord>, StoreError> {
        let mut tx = self.pool.begin_with(D::BEGIN).await?;
        let mut query = Sql::<D>::new("DELETE FROM api_tokens WHERE id = ");
        query
            .push_bind(id)
            .push(" AND user_id = ")
            .push_bind(user_id)
            .push(format!(" RETURNING {}", TOKEN.replace("t.", "")));
        let row: Option<TokenRow> = query.fetch_optional(&mut *tx).await?;
        Sql::<D>::new(CHANGED).execute(&mut *tx).await?;
        tx.commit().await?;
        row.map(token).transpose()
    }

    async fn failures(&self, keys: &[&str], since: i64) -> Result<Vec<Failures>, StoreError> {
        let mut query = Sql::<D>::new(
            "SELECT subject, COUNT(*), MIN(failed_at) FROM sign_in_failures WHERE failed_at > ",
        );
        query.push_bind(since).push(" AND subject");
        query.push_in(keys);
        query.push(" GROUP BY subject");
        let rows: Vec<(String, i64, i64)> = query.fetch_all(&self.pool).await?;
        Ok(rows
            .into_iter()
            .map(|(subject, count, oldest)| Failures { subject, count, oldest })
            .collect())
    }

    async fn add_failure(&self, keys: &[&str], now: i64, forget_before: i64) -> Result<(), StoreError> {
        let mut forget = Sql::<D>::new("DELETE FROM sign_in_failures WHERE failed_at < ");
        forget.push_bind(forget_before);
        forget.execute(&self.pool).await?;
        let mut query = Sql::<D>::new("INSERT INTO sign_in_failures (subject, failed_at) ");
        query.push_values(keys, |row, key| {
            row.push_bind(*key).push_bind(now);
        });
        query.execute(&self.pool).await?;
        Ok(())
    }

    async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        let mut query = Sql::<D>::new("DELETE FROM sign_in_failures WHERE subject = ");
        query.push_bind(key);
        query.execute(&self.pool).await?;
        Ok(())
    }
}
}
