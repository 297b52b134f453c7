"""Who may create, join and fund a family pool (rules 1-6), what a life event does to pools and bindings (rule 10),
and who may pay a relative's resident premium (rule 11): every check in one place, all violations listed."""

from __future__ import annotations

from dataclasses import dataclass

from services.accounts.domain.model import InsuranceType, Person, PersonStatus, Relation
from services.accounts.domain.policy import Policy
from services.common.errors import DomainError, Reason


@dataclass(frozen=True)
class BindingContext:
    """What the database knows about a prospective binding, besides the two people."""

    member_already_bound: bool
    active_member_count: int


def creator_violations(creator: Person, policy: Policy, creator_already_bound: bool) -> list[DomainError]:
    """Rule 1 (and rule 4 for the creator)."""
    out: list[DomainError] = []
    if not creator.insured:
        out.append(DomainError(Reason.PERSON_NOT_INSURED, "(creator)"))
    reasons = []
    if creator.insurance_type is not InsuranceType.EMPLOYEE:
        reasons.append("not employee-insured")
    if not creator.region_code.startswith(policy.province_code):
        reasons.append("not insured in this province")
    if creator.chronic_disease_benefit:
        reasons.append("receives chronic/special disease benefits")
    if creator.retired_cadre:
        reasons.append("receives retired-cadre benefits")
    if veteran_barred(creator, policy):
        reasons.append("receives disabled-veteran benefits")
    if reasons:
        out.append(DomainError(Reason.CREATOR_NOT_ELIGIBLE, f"({', '.join(reasons)})"))
    if creator_already_bound:
        out.append(DomainError(Reason.ALREADY_BOUND, "(creator)"))
    return out


def veteran_barred(person: Person, policy: Policy) -> bool:
    """Rules 1 and 10: disabled veterans of levels 1 to 6 (一至六级残疾军人, the policy's bound) may not run a pool;
    levels 7 to 10 are recorded and change nothing."""
    return 1 <= person.disabled_veteran_level <= policy.max_barred_veteran_level


def member_violations(
    creator: Person, member: Person, relation: Relation, policy: Policy, ctx: BindingContext
) -> list[DomainError]:
    """Rules 2 to 5 for one prospective member of `creator`'s pool."""
    out: list[DomainError] = []
    if not creator.insured:  # rule 1: a suspended creator's pool is paused, it takes no one in
        out.append(DomainError(Reason.PERSON_NOT_INSURED, "(creator)"))
    if not member.insured:  # rule 2: insured, employee or resident
        out.append(DomainError(Reason.PERSON_NOT_INSURED, "(relative)"))
    if relation not in policy.relations:  # rule 2: the relation set in force (effective-dated policy)
        out.append(DomainError(Reason.RELATION_NOT_ALLOWED, f"({relation.value})", {"relation": relation.value}))
    if member.psn_no == creator.psn_no or ctx.member_already_bound:  # rule 4: one binding at a time
        out.append(DomainError(Reason.ALREADY_BOUND, "(relative)"))
    if ctx.active_member_count >= policy.max_members:  # rule 3: at most five members
        out.append(
            DomainError(
                Reason.MEMBER_LIMIT_REACHED, f"(at most {policy.max_members})", {"max_members": str(policy.max_members)}
            )
        )
    if not same_scope(creator.region_code, member.region_code, policy):  # rule 5
        out.append(DomainError(Reason.DIFFERENT_REGION, f"(scope {policy.region_scope})"))
    return out


def same_scope(region_a: str, region_b: str, policy: Policy) -> bool:
    """Rule 5: the same coordinating region (统筹区, as the policy's region table groups administrative codes) by
    default; province-wide or national as a policy switch."""
    if policy.region_scope == "NATIONAL":
        return True
    if policy.region_scope == "PROVINCE":
        return region_a[:2] == region_b[:2]
    return policy.regions.region(region_a) == policy.regions.region(region_b)


def funding_violations(creator_available_fen: int, policy: Policy) -> list[DomainError]:
    """Rule 6, second half: mutual aid needs the creator's balance at the minimum."""
    if creator_available_fen < policy.min_creator_balance_fen:
        return [
            DomainError(
                Reason.CREATOR_BALANCE_BELOW_MINIMUM,
                f"(minimum {policy.min_creator_balance_fen} fen)",
                {"min_creator_balance_fen": str(policy.min_creator_balance_fen)},
            )
        ]
    return []


def transfer_violations(
    creator_available_fen: int, amount_fen: int, policy: Policy, *, creator_insured: bool = True
) -> list[DomainError]:
    """Rule 6: each transfer at least the minimum, from a creator with at least the minimum and enough money; and
    rule 1: from a creator who is insured (a suspended creator's pool is paused: nothing goes in)."""
    out: list[DomainError] = []
    if not creator_insured:
        out.append(DomainError(Reason.PERSON_NOT_INSURED, "(creator)"))
    if amount_fen < policy.min_transfer_fen:
        out.append(
            DomainError(
                Reason.TRANSFER_BELOW_MINIMUM,
                f"(minimum {policy.min_transfer_fen} fen)",
                {"min_transfer_fen": str(policy.min_transfer_fen)},
            )
        )
    out += funding_violations(creator_available_fen, policy)
    if creator_available_fen < amount_fen:
        out.append(DomainError(Reason.INSUFFICIENT_FUNDS, "(creator's personal account)"))
    return out


def first(violations: list[DomainError]) -> None:
    """Raises the first violation: a write stops at the first broken rule, a check lists them all."""
    if violations:
        raise violations[0]


def pool_payment_violation(
    policy: Policy,
    payer_region: str,
    dissolved: bool,
    creator_insured: bool,
    creator_available_fen: int,
    creator_region: str,
    visit_region: str = "",
) -> Reason | None:
    """Why the family pool may not pay for this payer now (checked when money moves, not only at binding):
    dissolved (rules 7, 10); its creator no longer insured — a suspended creator's pool cannot pay; the creator's own
    balance below the minimum (rule 6: 创建人个人账户余额不足500元时不能实现共济功能); the payer and creator no longer
    in the same coordinating region, or the visit outside the payer's region (rule 5, under the policy's scope)."""
    if dissolved:
        return Reason.POOL_DISSOLVED
    if not creator_insured:
        return Reason.PERSON_NOT_INSURED
    if creator_available_fen < policy.min_creator_balance_fen:
        return Reason.CREATOR_BALANCE_BELOW_MINIMUM
    if not same_scope(payer_region, creator_region, policy):
        return Reason.DIFFERENT_REGION
    if visit_region and not same_scope(payer_region, visit_region, policy):
        return Reason.VISIT_OUTSIDE_REGION
    return None


# ---------------------------------------------------------------- rule 10: what a life event does to a pool


def dissolution_reason(before: Person, after: Person, policy: Policy) -> str | None:
    """Rule 10: why a creator's pool dissolves by itself after a change in the registry, or None. It dissolves when
    the creator dies, leaves the province's employee insurance (insurance ended, or changed to resident insurance),
    is granted chronic/special disease, retired-cadre or disabled-veteran level 1-6 benefits, or joins another
    coordinating region. A suspension (暂停参保) is not in the page's list: it pauses the pool, dissolves nothing."""
    if after.status is PersonStatus.DECEASED:
        return "CREATOR_DIED"
    if after.status is PersonStatus.EXITED or after.insurance_type is not InsuranceType.EMPLOYEE:
        return "CREATOR_LEFT_EMPLOYEE_INSURANCE"
    if after.chronic_disease_benefit and not before.chronic_disease_benefit:
        return "CREATOR_GRANTED_CHRONIC_DISEASE_BENEFIT"
    if after.retired_cadre and not before.retired_cadre:
        return "CREATOR_GRANTED_RETIRED_CADRE_BENEFIT"
    if veteran_barred(after, policy) and not veteran_barred(before, policy):
        return "CREATOR_GRANTED_DISABLED_VETERAN_BENEFIT"
    if policy.regions.region(after.region_code) != policy.regions.region(before.region_code):
        return "CREATOR_CHANGED_REGION"
    return None


def member_leaves(member: Person, creator: Person, policy: Policy) -> bool:
    """Rule 10 for a member: one who dies, stops being insured, or moves out of the creator's region (rule 5, under
    the policy's scope) leaves the pool. A suspended member stays bound (and cannot pay while suspended); a member
    whose insurance type changes stays bound (both types may be members)."""
    ended = member.status in (PersonStatus.EXITED, PersonStatus.DECEASED)
    return ended or not same_scope(creator.region_code, member.region_code, policy)


# ---------------------------------------------------------------- rule 11: a relative's resident premium


@dataclass(frozen=True)
class PremiumRequest:
    """What a resident premium payment asks (rule 11), with the standard of its insurance year and region."""

    relation: Relation
    premium_year: int
    amount_fen: int  # 0: the standard
    standard_fen: int  # of that year (the policy in force on its 1 January) and the beneficiary's region
    current_year: int


def premium_violations(payer: Person, beneficiary: Person, ask: PremiumRequest, policy: Policy) -> list[DomainError]:
    """Rule 11 (居民医保缴费代缴): an actively insured employee pays, from the personal account, the standard resident
    premium of a resident-insured near relative (the policy's premium relations) in the same region scope as a
    binding (rule 5), for the current insurance year or one of the next the policy opens. Funds, and whether the year
    was paid already, are the use case's to check."""
    out: list[DomainError] = []
    if not payer.insured:
        out.append(DomainError(Reason.PERSON_NOT_INSURED, "(payer)"))
    if not payer.has_personal_account:
        out.append(DomainError(Reason.NO_PERSONAL_ACCOUNT, "(payer)"))
    if beneficiary.insurance_type is not InsuranceType.RESIDENT:
        out.append(DomainError(Reason.NOT_RESIDENT_INSURED))
    if beneficiary.status is PersonStatus.DECEASED:
        out.append(DomainError(Reason.PERSON_NOT_INSURED, "(beneficiary)"))
    if ask.relation not in policy.premium_relations:
        out.append(
            DomainError(Reason.RELATION_NOT_ALLOWED, f"({ask.relation.value})", {"relation": ask.relation.value})
        )
    if not same_scope(payer.region_code, beneficiary.region_code, policy):
        out.append(DomainError(Reason.DIFFERENT_REGION, f"(scope {policy.region_scope})"))
    last_open = ask.current_year + policy.resident_premium_years_ahead
    if not ask.current_year <= ask.premium_year <= last_open:
        out.append(
            DomainError(
                Reason.PREMIUM_YEAR_NOT_OPEN,
                f"(open: {ask.current_year} to {last_open})",
                {"first_open_year": str(ask.current_year), "last_open_year": str(last_open)},
            )
        )
    elif ask.amount_fen and ask.amount_fen != ask.standard_fen:
        out.append(
            DomainError(
                Reason.PREMIUM_AMOUNT_NOT_STANDARD,
                f"(the standard is {ask.standard_fen} fen)",
                {"standard_fen": str(ask.standard_fen)},
            )
        )
    return out
