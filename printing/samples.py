"""Demo data for every document (fictional people and companies; valid check digits)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from printing.models import (
    AcceptanceReceipt,
    Applicant,
    ChannelCounts,
    CommitmentLetter,
    CountRow,
    DailyReport,
    DayFigures,
    HallFigures,
    MaterialLine,
    MonthlyReport,
    Office,
    OneTimeNotice,
    RejectionNotice,
    ServiceRecord,
    TicketData,
    ToleranceCommitment,
)

if TYPE_CHECKING:
    from printing.agency import AgencyData

OFFICE = Office(
    name="高新区行政审批局",
    hall_name="高新区政务服务大厅",
    address="高新区创新大道 88 号政务服务中心一楼",
    phone="0512-12345678",
)
PERSON = Applicant(
    name="测试样例",
    id_number="11010519491231002X",
    phone="13800138000",
    address="北京市朝阳区测试路1号院3号楼2单元1101室（测试样例小区东门进入后右转第二栋）",
)
COMPANY = Applicant(
    name="张三",
    id_number="440524188001010014",
    phone="13912345678",
    company="高新区示例智能制造科技有限公司",
    uscc="91320594MA1XYW000M",
    address="高新区创新大道 188 号示例科技园 B 座 12 层 1201 室",
)
ACCEPTED_AT = dt.datetime(2026, 11, 27, 9, 42)
LONG_MATTER = "企业开办一件事（设立登记、公章刻制、申领发票和税控设备、员工参保登记、住房公积金企业缴存登记、银行预约开户）"

MATERIALS = [
    MaterialLine("公司登记（备案）申请书", "原件", 1),
    MaterialLine("公司章程", "原件", 1),
    MaterialLine("法定代表人、董事、监事和经理的任职文件及身份证件", "复印件", 1),
    MaterialLine("住所使用证明（房屋租赁合同及产权证明）", "复印件", 1),
    MaterialLine("银行开户预约信息表", "电子件", 1, received=False, core=False, required=False),
]


def acceptance_receipt() -> AcceptanceReceipt:
    return AcceptanceReceipt(
        office=OFFICE,
        case_number="GX01-20261127-0042",
        matter_name=LONG_MATTER,
        matter_code="11320500MB1234567X4000117001",
        applicant=COMPANY,
        materials=MATERIALS,
        accepted_at=ACCEPTED_AT,
        promised_days=1,
        due_date=dt.date(2026, 11, 30),
        window_name="企业开办专区 3 号综合窗口",
        clerk_name="李娜",
    )


def one_time_notice() -> OneTimeNotice:
    return OneTimeNotice(
        office=OFFICE,
        notice_number="GX01-YC-20261127-0007",
        matter_name="食品经营许可（新办）",
        applicant=PERSON,
        materials=[
            MaterialLine(
                "食品经营许可申请书", "原件", 1, received=True, reason="第三页未签字，请法定代表人签字"
            ),
            MaterialLine(
                "食品安全管理制度文本",
                "原件",
                1,
                received=False,
                reason="须包含从业人员健康管理、进货查验记录等制度",
            ),
            MaterialLine(
                "与食品经营相适应的主要设备设施布局、操作流程等文件",
                "原件",
                1,
                received=False,
                reason="平面布局图须标明各功能区面积及设备位置",
            ),
        ],
        issued_at=ACCEPTED_AT,
        window_name="市场监管综合窗口（5 号窗口）",
        clerk_name="王芳",
        other_requirements=["补正材料可通过“一网通办”平台在线提交，无需再次到现场。"],
    )


def commitment_letter() -> CommitmentLetter:
    return CommitmentLetter(
        office=OFFICE,
        case_number="GX01-20261127-0043",
        matter_name="公共场所卫生许可（告知承诺制）",
        applicant=COMPANY,
        legal_basis="《公共场所卫生管理条例》第八条；《公共场所卫生管理条例实施细则》第二十二条",
        conditions=[
            "有与经营规模、项目相适应的场所、设施，布局合理，符合卫生要求；",
            "从业人员经健康检查合格并取得有效健康合格证明；",
            "建立健全卫生管理制度，配备专（兼）职卫生管理人员。",
        ],
        replaced_materials=["公共场所卫生检测或者评价报告", "从业人员健康合格证明"],
        signed_on=ACCEPTED_AT.date(),
    )


def tolerance_commitment() -> ToleranceCommitment:
    return ToleranceCommitment(
        office=OFFICE,
        case_number="GX01-20261127-0044",
        matter_name=LONG_MATTER,
        applicant=COMPANY,
        missing=[
            MaterialLine(
                "银行开户预约信息表", "电子件", 1, received=False, core=False, reason="银行系统维护，次日补交"
            ),
            MaterialLine(
                "住所产权证明", "复印件", 1, received=False, core=False, reason="产权人外出，复印件后补"
            ),
        ],
        due_date=dt.date(2026, 12, 4),
        signed_on=ACCEPTED_AT.date(),
    )


def rejection_notice() -> RejectionNotice:
    return RejectionNotice(
        office=OFFICE,
        notice_number="高审不受字〔2026〕第 0031 号",
        matter_name="建设工程规划许可证核发",
        applicant=COMPANY,
        received_at=ACCEPTED_AT,
        reasons=[
            "申请事项依法不属于本机关职权范围，应向市自然资源和规划局提出申请；",
            "申请人提交的建设项目用地预审意见已超过有效期。",
        ],
        issued_on=ACCEPTED_AT.date(),
        reconsideration_body="高新区管理委员会",
        court="高新区人民法院",
    )


def service_record() -> ServiceRecord:
    return ServiceRecord(
        office=OFFICE,
        document_title="准予行政许可决定书",
        document_number="高审许字〔2026〕第 1127 号",
        case_number="GX01-20261127-0042",
        recipient=COMPANY,
        address=COMPANY.address,
        method="邮寄送达",
        served_at=dt.datetime(2026, 11, 30, 15, 10),
        server_names=["李娜", "赵磊"],
        waybill_number="1234567890123",
        remarks="",
    )


def ticket() -> TicketData:
    return TicketData(
        number="A012",
        category_name="企业开办（含一件事）",
        issued_at=dt.datetime(2026, 11, 27, 9, 15),
        waiting_ahead=5,
        est_wait_minutes=18,
        site_name=OFFICE.hall_name,
        qr_payload="https://zwfw.example.gov.cn/queue?ticket=A012&date=20261127",
        notice="请留意叫号屏幕和语音提示，过号请到综合导服台重新排队。",
    )


def _figures(scale: int) -> HallFigures:
    return HallFigures(
        cases_accepted=186 * scale,
        cases_completed=173 * scale,
        avg_handling_wd=0.72,
        within_half_wd=64 * scale,
        on_time_rate=0.9998,
        evaluations=160 * scale,
        satisfaction_rate=0.9811,
        bad_ratings=2 * scale,
        bad_ratings_followed_up=2 * scale,
        tickets_issued=245 * scale,
        tickets_served=231 * scale,
        tickets_services=252 * scale,
        avg_wait_min=11.4,
        max_wait_min=47.0,
        avg_service_min=9.8,
        no_show_rate=0.057,
        over_wait_target_share=0.08,
        wait_target_min=30,
        channels=ChannelCounts(
            window=121 * scale,
            appointment=34 * scale,
            no_face_to_face=22 * scale,
            ems=9 * scale,
            instant=5 * scale,
            commitment=4 * scale,
            tolerance=3 * scale,
        ),
        by_matter=[
            CountRow("企业开办一件事", 58 * scale, 56 * scale),
            CountRow("食品经营许可", 31 * scale, 28 * scale),
            CountRow("公共场所卫生许可（告知承诺制）", 12 * scale, 12 * scale),
            CountRow("建设工程施工许可证核发", 9 * scale, 7 * scale),
            CountRow("不动产登记（二手房转移登记）", 76 * scale, 70 * scale),
        ],
        by_zone=[
            CountRow("企业开办专区", 70 * scale, 68 * scale),
            CountRow("项目建设专区", 24 * scale, 20 * scale),
            CountRow("不动产专区", 76 * scale, 70 * scale),
            CountRow("社会事务专区", 16 * scale, 15 * scale),
        ],
        by_window=[
            CountRow(f"{n} 号窗口", a * scale, c * scale)
            for n, a, c in [(1, 30, 29), (2, 28, 27), (3, 41, 40), (5, 33, 30), (7, 54, 47)]
        ],
        by_clerk=[
            CountRow(n, a * scale, c * scale)
            for n, a, c in [
                ("李娜", 41, 40),
                ("王芳", 33, 30),
                ("赵磊", 30, 29),
                ("陈静", 28, 27),
                ("刘洋", 54, 47),
            ]
        ],
    )


def daily_report() -> DailyReport:
    hours = [(8, 12), (9, 48), (10, 52), (11, 31), (12, 6), (13, 14), (14, 37), (15, 29), (16, 16), (17, 0)]
    return DailyReport(
        office=OFFICE,
        site_name=OFFICE.hall_name,
        day=ACCEPTED_AT.date(),
        figures=_figures(1),
        tickets_per_hour=hours,
        generated_at=dt.datetime(2026, 11, 27, 18, 5),
    )


def monthly_report() -> MonthlyReport:
    days = []
    for d in range(1, 31):
        day = dt.date(2026, 11, d)
        if day.weekday() >= 5:
            days.append(DayFigures(day, 0, 0, 0))
        else:
            days.append(DayFigures(day, 150 + (d * 37) % 60, 140 + (d * 29) % 60, 200 + (d * 53) % 90))
    return MonthlyReport(
        office=OFFICE,
        site_name=OFFICE.hall_name,
        year=2026,
        month=11,
        figures=_figures(21),
        per_day=days,
        generated_at=dt.datetime(2026, 12, 1, 8, 30),
    )


def agency(state: str = "accepted") -> AgencyData:
    """A 代办 for an elderly applicant by her relative (授权委托书 and the slip of `state`)."""
    from printing.agency import AgencyData, Party

    return AgencyData(
        office=OFFICE,
        number="GX-DB-20261127-003",
        principal=Party(PERSON.name, PERSON.id_number, PERSON.phone),
        agent=Party("张演示", "310115198506150030", "13912345678"),
        relation="亲属",
        matters=["城乡居民基本养老保险待遇申领", "社会保障卡补领、换领"],
        powers=["代为提交、补正申请材料", "代为签收受理通知书等文书", "代为领取办理结果"],
        valid_until=dt.date(2026, 12, 27),
        accepted_at=ACCEPTED_AT,
        clerk_name="李帮办",
        window_name="20号窗口 无偿代办专窗",
        free=True,
        case_number="GX-20261127-0042",
        reason="委托人户籍证明未随件提交，需补充后继续代办" if state == "suspended" else "",
        suspended_at=ACCEPTED_AT + dt.timedelta(hours=2) if state == "suspended" else None,
        finished_at=ACCEPTED_AT + dt.timedelta(minutes=47) if state == "completed" else None,
        minutes=47.0 if state == "completed" else None,
        needed=["委托人户籍证明（原件）"] if state == "suspended" else [],
    )
