"""The one reason table: every stable reason code and the message a clerk can act on. Free of gRPC.

Domain code raises `DomainError(Reason.X)`; bad input raises `InvalidArgument` with every field violation. The
transport edge (`services/common/grpc_errors.py`) gives each reason its gRPC status code and an `ErrorInfo`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, unique

DOMAIN = "gongji"

# A limit on every amount (10 billion yuan): sums of amounts can never overflow a 64-bit integer.
MAX_FEN = 10**12


@unique
class Reason(Enum):
    """A stable reason code (the member's name, as in ErrorInfo.reason) and its message for the clerk, in English and
    in Chinese (Qinghai's clerks read Chinese: the transport sends both).

    Keep README.md's table in step (`make docs`; a test checks it)."""

    # registry
    PERSON_NOT_FOUND = (
        "No insured person with this person number or ID number is registered.",
        "未找到该参保人：人员编号或身份证号未登记。",
    )
    PERSON_ALREADY_REGISTERED = (
        "This person number or ID number is already registered.",
        "该人员编号或身份证号已登记。",
    )
    PERSON_NOT_INSURED = (
        "The person is not actively insured (suspended, exited or deceased).",
        "该人员未处于正常参保状态（暂停、终止参保或已死亡）。",
    )
    STATUS_CHANGE_NOT_ALLOWED = (
        "The person's insurance has ended (exited or deceased): it can be neither suspended nor resumed.",
        "该人员已终止参保或已死亡，不能暂停或恢复参保。",
    )
    NO_PERSONAL_ACCOUNT = (
        "The person is resident-insured and has no personal account.",
        "该人员参加城乡居民医保，没有职工医保个人账户。",
    )
    NOT_RESIDENT_INSURED = (
        "The relative is not resident-insured; only resident premiums can be paid this way.",
        "该亲属未参加城乡居民医保，只能为居民医保参保人代缴保费。",
    )
    PREMIUM_YEAR_NOT_OPEN = (
        "A resident premium can be paid only for an insurance year open for payment now: the current one or, as the "
        "policy allows, the next.",
        "只能缴纳当前开放缴费年度（本年度或政策允许的下一年度）的居民医保个人缴费。",
    )
    PREMIUM_AMOUNT_NOT_STANDARD = (
        "The amount is not the resident premium standard for that year and region; leave it out to pay the standard.",
        "金额与该年度、该统筹区的居民医保个人缴费标准不符；不填金额即按标准缴费。",
    )
    PREMIUM_ALREADY_PAID = (
        "This relative's resident premium for that insurance year has already been paid (by this or another payer).",
        "该亲属该年度的居民医保个人缴费已缴纳（本人或他人代缴），不能重复缴费。",
    )
    # pool and bindings
    CREATOR_NOT_ELIGIBLE = (
        "The creator may not run a family pool: must be actively employee-insured in this "
        "province, without chronic/special disease, retired-cadre or disabled-veteran benefits.",
        "创建人不符合开通家庭共济的条件：须为本省正常参加职工医保人员，且未享受门诊慢特病、离休或一至六级残疾军人待遇。",
    )
    RELATION_NOT_ALLOWED = (
        "This relation may not join a family pool under the policy in force.",
        "按现行政策，该亲属关系不能加入家庭共济。",
    )
    IDENTITY_MISMATCH = (
        "The name and ID number do not match a registered insured person; check both.",
        "姓名与身份证号不符或未登记，请核对。",
    )
    GUARDIAN_NOT_ALLOWED = (
        "A guardian may answer only for a member under 18, and must be an adult other than the "
        "member; otherwise the member answers in person.",
        "监护人只能为未满18周岁的成员确认，且须为成员本人以外的成年人；其他情况须由本人确认。",
    )
    ALREADY_BOUND = (
        "The person already creates or belongs to a family pool; a person may be in only one.",
        "该人员已创建或加入家庭共济，每人只能参加一个家庭共济。",
    )
    MEMBER_LIMIT_REACHED = ("The family pool already has the maximum number of members.", "该家庭共济的成员已达上限。")
    DIFFERENT_REGION = (
        "The relative is insured in another coordinating region; mutual aid is not allowed.",
        "不在同一医保统筹区，不能共济。",
    )
    TRANSFER_BELOW_MINIMUM = (
        "A transfer into the family pool must be at least the minimum.",
        "每次划入共济账户的金额不得低于规定的最低金额。",
    )
    CREATOR_BALANCE_BELOW_MINIMUM = (
        "The creator's personal-account balance is below the minimum for mutual aid.",
        "创建人个人账户余额低于规定的最低金额，不能实现共济功能。",
    )
    INSUFFICIENT_FUNDS = ("The account balance is not enough for this amount.", "账户余额不足。")
    POOL_NOT_FOUND = (
        "No family pool with this id (or none for this person).",
        "未找到该共济账户（或该人员未参加家庭共济）。",
    )
    POOL_DISSOLVED = ("The family pool has been dissolved.", "该家庭共济已解除。")
    NOT_A_MEMBER = ("The person is not a member of this family pool.", "该人员不是此家庭共济的成员。")
    INVITATION_NOT_FOUND = ("No open invitation with this id.", "未找到该邀请。")
    INVITATION_EXPIRED = (
        "The invitation has expired; the creator must invite again.",
        "邀请已过期，请创建人重新邀请。",
    )
    YEAR_NOT_CURRENT = (
        "Only the current insurance year can be opened; check the year and the server's date.",
        "只能开启当前医保年度，请核对年度和服务器日期。",
    )
    # why a source gave less than was asked at the till (the seed page's FAQ), besides reasons above
    VISIT_OUTSIDE_REGION = (
        "The visit is outside the family's coordinating region (cross-region care): the family pool does not pay it.",
        "异地就医：就医地不在家庭共济的统筹区内，共济账户不能支付。",
    )
    NOT_BOUND = ("The payer is not bound to any family pool.", "未绑定家庭共济关系。")
    POOL_EMPTY = ("The family pool's balance is not enough.", "共济账户余额不足。")
    ACCOUNT_USE_NOT_REQUESTED = (
        "The patient chose not to pay from this account.",
        "参保人选择不使用该账户支付。",
    )
    # money movements
    CREDENTIAL_MISMATCH = (
        "The ID card presented is not the payer's own: a payment needs the payer's own ID card, social-security card "
        "or electronic medical-insurance credential (the money can be shared, the card cannot).",
        "所出示的身份证不是参保人本人的：结算须出示本人的身份证、社会保障卡或医保电子凭证（钱可以共济，卡不能共用）。",
    )
    RESERVATION_NOT_FOUND = ("No reservation with this id.", "未找到该预留记录。")
    RESERVATION_EXPIRED = (
        "The hold expired and its money was released; start the payment again.",
        "预留已过期，资金已释放，请重新发起支付。",
    )
    RESERVATION_ALREADY_FINAL = (
        "The reservation was already debited, released or expired.",
        "该预留已扣款、已释放或已过期。",
    )
    AMOUNT_EXCEEDS_RESERVED = ("The amount is more than was reserved.", "金额超过预留金额。")
    REFUND_EXCEEDS_DEBITED = (
        "The refund is more than was paid and not yet refunded.",
        "退款金额超过已支付且未退的金额。",
    )
    # callers
    UNAUTHENTICATED = (
        "No known caller: present a client certificate this service trusts, or send "
        "'authorization: Bearer <token>' where tokens are configured.",
        "无法识别调用方：请出示本服务信任的客户端证书，或提供已配置的令牌。",
    )
    PERMISSION_DENIED = (
        "This caller's role may not use this method; ask the operators for the right credentials.",
        "调用方的角色无权使用该接口，请向运维人员申请相应凭证。",
    )
    # settlement (POS)
    SETTLEMENT_NOT_FOUND = ("This institution has no settlement with this id.", "本机构没有该结算记录。")
    SETTLEMENT_REVERSED = (
        "This transaction was reversed (冲正); start a new payment with a new transaction id.",
        "该交易已冲正，请使用新的交易流水号重新发起支付。",
    )
    PAYMENT_ABANDONED = (
        "This payment got no answer in time and was cancelled; nothing was paid. Start a new "
        "payment with a new transaction id.",
        "该支付未能及时得到应答，已撤销，未发生扣款。请使用新的交易流水号重新发起支付。",
    )
    PAYMENT_DECLINED = ("The payment was declined by the accounts service.", "账户服务拒绝了该支付。")
    SETTLEMENT_ALREADY_FINAL = (
        "The settlement was already captured, voided, reversed or expired.",
        "该结算已完成、撤销、冲正或过期。",
    )
    NOT_AN_AUTHORIZATION = (
        "Only an authorization (Authorize) can be captured or voided.",
        "只有预授权（Authorize）才能确认扣款或撤销。",
    )
    REVERSAL_WINDOW_CLOSED = (
        "A transaction can be reversed (冲正) only on its settlement day; after that, refund it.",
        "冲正只能在原交易的结算当日进行；逾期请办理退费。",
    )
    PERIOD_CLOSED = (
        "The clearing period of this transaction is closed: it cannot be reversed or reopened; refund it instead "
        "(the refund belongs to the open period).",
        "该交易所属的清算期已关闭，不能冲正或重新清算；请办理退费（退费计入当前清算期）。",
    )
    ACCOUNTS_UNAVAILABLE = (
        "The accounts service did not answer in time; retry with the same transaction id "
        "(it will not be paid twice) or reverse it.",
        "账户服务未及时应答：请用同一交易流水号重试（不会重复扣款）或发起冲正。",
    )
    # idempotency
    REQUEST_ID_REUSED = (
        "This request id was already used for a different request; use a new request id.",
        "该请求号已用于其他请求，请使用新的请求号。",
    )
    REQUEST_CANCELLED = (
        "This request was cancelled before it ran (its sender stopped waiting); nothing was done.",
        "该请求在执行前已被取消（发送方已停止等待），未做任何处理。",
    )
    # infrastructure: nothing was written, retry the same call with the same request id
    DATABASE_UNAVAILABLE = (
        "The database cannot be reached right now; retry shortly.",
        "数据库暂时无法访问，请稍后重试。",
    )
    CONCURRENT_UPDATE = (
        "Another operation changed the same accounts at the same moment; retry.",
        "同一账户正被其他操作修改，请重试。",
    )
    ACCOUNT_BUSY = (
        "Another operation on the same account is still in progress; nothing was done; retry shortly.",
        "同一账户的其他业务仍在处理中，本次未做任何处理，请稍后重试。",
    )
    SERVICE_BUSY = (
        "The service is at capacity right now; nothing was done; retry shortly.",
        "系统繁忙，本次未做任何处理，请稍后重试。",
    )
    OVERLOADED = (
        "The service is taking as many calls as it can right now; this one was not started and nothing was done; "
        "retry after the delay given (RetryInfo) with the same transaction or request id.",
        "系统当前受理的业务已达上限，本次请求未受理，未做任何处理；请按提示的等待时间后用同一交易流水号或请求号重试。",
    )
    DEADLINE_TOO_SHORT = (
        "The call's deadline leaves too little time to reach the accounts service; it was not started and nothing "
        "was done; retry with a longer deadline.",
        "请求的超时时间过短，不足以完成账户处理，本次未受理，未做任何处理；请设置更长的超时时间后重试。",
    )
    # transport
    INVALID_ARGUMENT = (
        "The request is incomplete or malformed; see the field violations.",
        "请求不完整或格式有误，请查看各字段的说明。",
    )
    INTERNAL = (
        "Internal error; the request may be retried with the same request id.",
        "系统内部错误，可使用同一请求号重试。",
    )

    @property
    def message(self) -> str:
        """The clerk's message in English."""
        return str(self.value[0])

    @property
    def message_zh(self) -> str:
        """The clerk's message in Chinese (zh-CN)."""
        return str(self.value[1])

    @classmethod
    def parse(cls, name: str) -> Reason | None:
        """The reason with this code (as stored or received), or None for a code this build does not know."""
        return cls.__members__.get(name)


@dataclass
class DomainError(Exception):
    """A business rule said no."""

    reason: Reason
    detail: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    retry_after_s: float | None = None  # set: the client is told to wait this long before retrying (RetryInfo)

    def __post_init__(self) -> None:
        super().__init__(self.reason.name)

    @property
    def message(self) -> str:
        return f"{self.reason.message} {self.detail}".strip()


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


class InvalidArgument(Exception):
    """Bad input: one or more fields are missing or malformed."""

    def __init__(self, violations: list[FieldViolation]) -> None:
        super().__init__("; ".join(f"{v.field}: {v.description}" for v in violations))
        self.violations = violations
