<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>AgencyDialog</name>
    <message>
        <location filename="../../ui/counter/agency.py" line="+130" />
        <source>帮办代办登记</source>
        <translation>Assisted service and agency</translation>
    </message>
    <message>
        <location line="+3" />
        <source>请依次在读卡器上放置委托人、受托人的身份证（也可手工录入）</source>
        <translation>Place the applicant's ID card, then the agent's, on the reader (or type them in)</translation>
    </message>
    <message>
        <location line="+4" />
        <source>下一张卡读作：</source>
        <translation>Next card is the:</translation>
    </message>
    <message>
        <location line="+1" />
        <location line="+80" />
        <source>委托人</source>
        <translation>Principal</translation>
    </message>
    <message>
        <location line="-79" />
        <location line="+79" />
        <source>受托人</source>
        <translation>Agent</translation>
    </message>
    <message>
        <location line="-71" />
        <source>委托人（申请人）</source>
        <translation>Principal (applicant)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>受托人（代办人）</source>
        <translation>Agent (acting for the applicant)</translation>
    </message>
    <message>
        <location line="+2" />
        <source>请选择关系</source>
        <translation>Choose the relation</translation>
    </message>
    <message>
        <location line="+4" />
        <source>与委托人关系</source>
        <translation>Relation to principal</translation>
    </message>
    <message>
        <location line="+1" />
        <source>排队短信提醒发到受托人手机</source>
        <translation>Send queue SMS reminders to the agent's mobile</translation>
    </message>
    <message>
        <location line="+9" />
        <source>多个事项用“、”分隔</source>
        <translation>Separate several matters with “、”</translation>
    </message>
    <message>
        <location line="+2" />
        <source>已受理的办件可填编号</source>
        <translation>Case number, if already accepted</translation>
    </message>
    <message>
        <location line="+5" />
        <source>无偿代办</source>
        <translation>Free agency service</translation>
    </message>
    <message>
        <location line="+3" />
        <source>委托事项</source>
        <translation>Matters entrusted</translation>
    </message>
    <message>
        <location line="+1" />
        <source>办件编号</source>
        <translation>Case number</translation>
    </message>
    <message>
        <location line="+1" />
        <source>委托期限至</source>
        <translation>Authorised until</translation>
    </message>
    <message>
        <location line="+10" />
        <source>登记并生成委托书</source>
        <translation>Register and print the power of attorney</translation>
    </message>
    <message>
        <location line="+1" />
        <source>中止代办…</source>
        <translation>Suspend…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>代办办结</source>
        <translation>Complete</translation>
    </message>
    <message>
        <location line="+1" />
        <source>打印 (Ctrl+P)</source>
        <translation>Print (Ctrl+P)</translation>
    </message>
    <message>
        <location line="+3" />
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <location line="+23" />
        <source>此证件不能用于办理：%1</source>
        <translation>This card cannot be used: %1</translation>
    </message>
    <message>
        <location line="+4" />
        <source>已读取{0}：{1}</source>
        <translation>Read {0}: {1}</translation>
    </message>
    <message>
        <location line="+41" />
        <source>{0}（{1}）：已生成{2}</source>
        <translation>{0} ({1}): generated {2}</translation>
    </message>
    <message>
        <location line="+30" />
        <source>打印失败：%1</source>
        <translation>Printing failed: %1</translation>
    </message>
    <message>
        <location line="+4" />
        <source>已打印：%1（%2）</source>
        <translation>Printed: %1 (%2)</translation>
    </message>
    <message>
        <location line="+10" />
        <source>中止代办</source>
        <translation>Suspend agency service</translation>
    </message>
    <message>
        <location line="+0" />
        <source>中止原因：</source>
        <translation>Reason for suspending:</translation>
    </message>
</context>
<context>
    <name>AppealDialog</name>
    <message>
        <location filename="../../ui/manager/rectification.py" line="+190" />
        <source>窗口申诉</source>
        <translation>Window's appeal</translation>
    </message>
    <message>
        <location line="+3" />
        <source>差评</source>
        <translation>Bad rating</translation>
    </message>
    <message>
        <location line="+9" />
        <source>申诉人工号</source>
        <translation>Appellant's staff number</translation>
    </message>
    <message>
        <location line="+1" />
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <location filename="../../ui/counter/appeal.py" line="+68" />
        <source>差评申诉</source>
        <extracomment>an appeal was stored: the item as it now stands</extracomment>
        <translation>Appeal a bad rating</translation>
    </message>
    <message>
        <location line="+8" />
        <source>对本人被评价的差评可以申诉一次，写明理由后由大厅管理员复核；复核撤销的评价不计入满意率。</source>
        <translation>You may appeal each bad rating given to you once, with your grounds; a hall manager reviews it, and a rating voided on review does not count in the satisfaction figures.</translation>
    </message>
    <message>
        <location line="+19" />
        <source>没有需要申诉的差评</source>
        <translation>No bad ratings to appeal</translation>
    </message>
    <message>
        <location line="+4" />
        <location filename="../../ui/manager/rectification.py" line="+1" />
        <source>申诉理由</source>
        <translation>Grounds of the appeal</translation>
    </message>
    <message>
        <location line="+3" />
        <source>如：申请人评价的不是本窗口的业务，或有录音录像可以说明</source>
        <translation>e.g. the applicant rated a matter this window does not handle, or a recording can show what happened</translation>
    </message>
    <message>
        <location line="+9" />
        <source>提交申诉</source>
        <translation>Submit appeal</translation>
    </message>
    <message>
        <location line="+4" />
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <location line="+29" />
        <source>操作失败</source>
        <translation>Action failed</translation>
    </message>
    <message>
        <location line="+20" />
        <source>请先选择要申诉的差评</source>
        <translation>Choose the bad rating to appeal first</translation>
    </message>
    <message>
        <location line="+16" />
        <source>申诉已提交，等待大厅管理员复核</source>
        <translation>Appeal submitted; waiting for a hall manager's review</translation>
    </message>
    <message>
        <location filename="../../ui/manager/rectification.py" line="+4" />
        <source>请输入申诉人的工号和密码</source>
        <translation>Enter the appellant's staff number and password</translation>
    </message>
    <message>
        <location filename="../../ui/counter/appeal.py" line="-12" />
        <location filename="../../ui/manager/rectification.py" line="+3" />
        <source>请填写申诉理由</source>
        <translation>Please give the grounds of the appeal</translation>
    </message>
</context>
<context>
    <name>AssignDialog</name>
    <message>
        <location filename="../../ui/manager/rectification.py" line="-106" />
        <source>指派整改</source>
        <translation>Assign the rectification</translation>
    </message>
    <message>
        <location line="+3" />
        <source>（不指定窗口）</source>
        <translation>(no window)</translation>
    </message>
    <message>
        <location line="+7" />
        <source>如：不动产登记中心</source>
        <translation>e.g. Real Estate Registration Centre</translation>
    </message>
    <message>
        <location line="+1" />
        <source>责任窗口</source>
        <translation>Responsible window</translation>
    </message>
    <message>
        <location line="+1" />
        <source>责任部门</source>
        <translation>Responsible department</translation>
    </message>
    <message>
        <location line="+7" />
        <source>请选择责任窗口或填写责任部门</source>
        <translation>Choose the responsible window or enter the department</translation>
    </message>
    <message>
        <location filename="../../ui/manager/hotline.py" line="+58" />
        <source>转办 %1</source>
        <translation>Assign %1</translation>
    </message>
    <message>
        <location line="+3" />
        <source>承办部门或窗口</source>
        <translation>Department or window in charge</translation>
    </message>
    <message>
        <location line="+4" />
        <source>请填写承办部门或窗口</source>
        <translation>Enter the department or window in charge</translation>
    </message>
</context>
<context>
    <name>AssistLedgerPanel</name>
    <message>
        <location filename="../../ui/manager/assist_ledger.py" line="+47" />
        <source>编号</source>
        <translation>Number</translation>
    </message>
    <message>
        <location line="+1" />
        <source>类型</source>
        <translation>Type</translation>
    </message>
    <message>
        <location line="+1" />
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location line="+1" />
        <source>申请人/委托人</source>
        <translation>Applicant/principal</translation>
    </message>
    <message>
        <location line="+1" />
        <source>受托人</source>
        <translation>Agent</translation>
    </message>
    <message>
        <location line="+1" />
        <source>关系</source>
        <translation>Relation</translation>
    </message>
    <message>
        <location line="+2" />
        <source>事项</source>
        <translation>Matter</translation>
    </message>
    <message>
        <location line="+4" />
        <source>无偿</source>
        <translation>Free</translation>
    </message>
    <message>
        <location line="+0" />
        <source>是</source>
        <translation>Yes</translation>
    </message>
    <message>
        <location line="+0" />
        <source>否</source>
        <translation>No</translation>
    </message>
    <message>
        <location line="+1" />
        <source>代办员</source>
        <translation>Assistant</translation>
    </message>
    <message>
        <location line="+1" />
        <source>受理</source>
        <translation>Accept</translation>
    </message>
    <message>
        <location line="+1" />
        <source>办结</source>
        <translation>Complete</translation>
    </message>
    <message>
        <location line="+1" />
        <source>用时（分钟）</source>
        <translation>Time (minutes)</translation>
    </message>
    <message>
        <location line="+16" />
        <source>查询</source>
        <translation>Search</translation>
    </message>
    <message>
        <location line="+2" />
        <source>导出 CSV…</source>
        <translation>Export CSV…</translation>
    </message>
    <message>
        <location line="+5" />
        <source>受理日期</source>
        <translation>Accepted on</translation>
    </message>
    <message>
        <location line="+2" />
        <source>至</source>
        <translation>to</translation>
    </message>
    <message>
        <location line="+17" />
        <source>结束日期不能早于开始日期</source>
        <translation>The end date cannot be before the start date</translation>
    </message>
    <message>
        <location line="+14" />
        <source>共 {0} 件，其中无偿代办 {1} 件；已办结 {2} 件，合计用时 {3:g} 分钟</source>
        <translation>{0} in all, {1} free; {2} completed, {3:g} minutes in total</translation>
    </message>
    <message>
        <location line="+18" />
        <source>已导出：{0}</source>
        <translation>Exported: {0}</translation>
    </message>
    <message>
        <location line="+5" />
        <source>导出帮办代办台账</source>
        <translation>Export the assisted-service ledger</translation>
    </message>
    <message>
        <location line="+6" />
        <source>导出失败：{0}</source>
        <translation>Export failed: {0}</translation>
    </message>
</context>
<context>
    <name>BindCardDialog</name>
    <message>
        <location filename="../../ui/counter/bind_card.py" line="+36" />
        <source>绑定本人身份证</source>
        <translation>Bind your own ID card</translation>
    </message>
    <message>
        <location line="+3" />
        <source>请在读卡器上放置您本人的身份证</source>
        <translation>Place your own ID card on the reader</translation>
    </message>
    <message>
        <location line="+4" />
        <source>本人密码：</source>
        <translation>Your password:</translation>
    </message>
    <message>
        <location line="+23" />
        <source>已读取：%1，请输入密码确认</source>
        <translation>Read: %1; enter your password to confirm</translation>
    </message>
    <message>
        <location line="+6" />
        <source>请先刷本人身份证</source>
        <translation>Swipe your own ID card first</translation>
    </message>
</context>
<context>
    <name>CallbackDialog</name>
    <message>
        <location filename="../../ui/manager/rectification.py" line="+8" />
        <source>记录回访</source>
        <translation>Record call-back</translation>
    </message>
    <message>
        <location line="+7" />
        <source>回访时间</source>
        <translation>Call-back time</translation>
    </message>
    <message>
        <location line="+5" />
        <source>回访方式</source>
        <translation>Method</translation>
    </message>
    <message>
        <location line="+6" />
        <source>请选择</source>
        <translation>Please choose</translation>
    </message>
    <message>
        <location line="+1" />
        <source>回访结果</source>
        <translation>Call-back outcome</translation>
    </message>
    <message>
        <location line="+4" />
        <source>回访情况</source>
        <translation>Outcome</translation>
    </message>
    <message>
        <location line="+4" />
        <source>请选择回访结果</source>
        <translation>Please choose the call-back outcome</translation>
    </message>
</context>
<context>
    <name>CaseDetailDialog</name>
    <message>
        <location filename="../../ui/counter/cases_panel.py" line="+145" />
        <source>办件详情</source>
        <translation>Case details</translation>
    </message>
    <message>
        <location line="+10" />
        <source>办理过程</source>
        <translation>Case history</translation>
    </message>
    <message>
        <location line="+9" />
        <source>进入审查</source>
        <translation>Start review</translation>
    </message>
    <message>
        <location line="+1" />
        <source>准予许可</source>
        <translation>Grant permit</translation>
    </message>
    <message>
        <location line="+1" />
        <location line="+131" />
        <source>不予许可</source>
        <translation>Deny permit</translation>
    </message>
    <message>
        <location line="-130" />
        <source>办结</source>
        <translation>Complete</translation>
    </message>
    <message>
        <location line="+1" />
        <source>窗口领取送达</source>
        <translation>Collected at counter</translation>
    </message>
    <message>
        <location line="+1" />
        <location line="+130" />
        <source>EMS 邮寄送达</source>
        <translation>Deliver by EMS</translation>
    </message>
    <message>
        <location line="-129" />
        <source>补齐容缺材料</source>
        <translation>Supply missing materials</translation>
    </message>
    <message>
        <location line="+1" />
        <source>打印文书</source>
        <translation>Print documents</translation>
    </message>
    <message>
        <location line="+41" />
        <source>办件编号</source>
        <translation>Case number</translation>
    </message>
    <message>
        <location line="+4" />
        <source>事项</source>
        <translation>Matter</translation>
    </message>
    <message>
        <location line="+2" />
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location line="+3" />
        <source>申请人</source>
        <translation>Applicant</translation>
    </message>
    <message>
        <location line="+1" />
        <source>证件号码</source>
        <translation>ID number</translation>
    </message>
    <message>
        <location line="+1" />
        <source>联系电话</source>
        <translation>Phone</translation>
    </message>
    <message>
        <location line="+2" />
        <source>承诺办结</source>
        <translation>Promised completion</translation>
    </message>
    <message>
        <location line="+4" />
        <source>法定期限</source>
        <translation>Legal deadline</translation>
    </message>
    <message>
        <location line="+4" />
        <source>材料</source>
        <translation>Materials</translation>
    </message>
    <message>
        <location line="+10" />
        <source>待办</source>
        <translation>To do</translation>
    </message>
    <message>
        <location line="+9" />
        <source>EMS 运单号</source>
        <translation>EMS waybill no.</translation>
    </message>
    <message>
        <location line="+2" />
        <source>理由</source>
        <translation>Reason</translation>
    </message>
    <message>
        <location line="+24" />
        <source>文书生成失败：%1</source>
        <translation>Could not generate the documents: %1</translation>
    </message>
    <message>
        <location line="+19" />
        <source>不予许可的理由：</source>
        <translation>Reason for denial:</translation>
    </message>
    <message>
        <location line="+2" />
        <source>EMS 运单号：</source>
        <translation>EMS waybill number:</translation>
    </message>
    <message>
        <location line="+18" />
        <source>已保存</source>
        <translation>Saved</translation>
    </message>
</context>
<context>
    <name>CasesPanel</name>
    <message>
        <location line="-249" />
        <source>刷新</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <location line="+33" />
        <source>读取办件失败</source>
        <translation>Could not load cases</translation>
    </message>
    <message>
        <location line="-7" />
        <source>共 %1 件</source>
        <translation>%1 cases</translation>
    </message>
</context>
<context>
    <name>ChangePasswordDialog</name>
    <message>
        <location filename="../../ui/counter/password.py" line="+40" />
        <source>修改密码</source>
        <translation>Change password</translation>
    </message>
    <message>
        <location line="+3" />
        <source>您的密码由管理员发放，请先设置自己的密码再开始工作。</source>
        <translation>Your password was issued by an administrator; set your own password before you start work.</translation>
    </message>
    <message>
        <location line="+7" />
        <source>原密码</source>
        <translation>Current password</translation>
    </message>
    <message>
        <location line="+1" />
        <source>新密码</source>
        <translation>New password</translation>
    </message>
    <message>
        <location line="+1" />
        <source>再次输入</source>
        <translation>Repeat</translation>
    </message>
    <message>
        <location line="+1" />
        <source>至少8个字符，不能全是数字，不能包含用户名</source>
        <translation>At least 8 characters, not only digits, not containing the user name</translation>
    </message>
    <message>
        <location line="+24" />
        <source>两次输入的新密码不一致</source>
        <translation>The two new passwords do not match</translation>
    </message>
</context>
<context>
    <name>ChartsPanel</name>
    <message>
        <location filename="../../ui/manager/charts.py" line="+100" />
        <source>今日每小时取号、办结与同期平均</source>
        <extracomment>a snapshot was shown (ChartsSnapshot)</extracomment>
        <translation>Tickets issued and served per hour today, against the usual day</translation>
    </message>
    <message>
        <location line="+1" />
        <source>今日各业务等候时间（对比预警时长）</source>
        <translation>Waiting times today per category (against its warning time)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>今日窗口利用率</source>
        <translation>Counter utilisation today</translation>
    </message>
    <message>
        <location line="+1" />
        <source>未来三个工作日每小时取号预测</source>
        <translation>Tickets per hour forecast for the next three working days</translation>
    </message>
    <message>
        <location line="+3" />
        <source>正在读取图表数据…</source>
        <translation>Reading the chart data…</translation>
    </message>
    <message>
        <location line="+30" />
        <source>图表数据暂时无法读取，稍后自动重试：{0}</source>
        <translation>The chart data cannot be read just now; retrying shortly: {0}</translation>
    </message>
    <message>
        <location line="+12" />
        <source>历史数据：{0} 个工作日；平均办理 {1}；建议窗口数按利用率不超过 85% 计算</source>
        <translation>History: {0} working days; average service {1}; counters suggested for at most 85% utilisation</translation>
    </message>
    <message>
        <location line="+1" />
        <source>{0} 分钟</source>
        <translation>{0} min</translation>
    </message>
    <message>
        <location line="+9" />
        <source>今日取号</source>
        <translation>Tickets today</translation>
    </message>
    <message>
        <location line="+0" />
        <source>今日办结</source>
        <translation>Served today</translation>
    </message>
    <message>
        <location line="+4" />
        <source>同期平均取号</source>
        <translation>Usual issued</translation>
    </message>
    <message>
        <location line="+2" />
        <source>同期平均办结</source>
        <translation>Usual served</translation>
    </message>
    <message>
        <location line="+16" />
        <location line="+84" />
        <source>时</source>
        <translation>Hour</translation>
    </message>
    <message>
        <location line="-71" />
        <source>{0}（星期{1}）：虚线为{2}</source>
        <translation>{0} (weekday {1}): dashed lines are {2}</translation>
    </message>
    <message>
        <location line="+10" />
        <source>人</source>
        <translation>People</translation>
    </message>
    <message>
        <location line="+6" />
        <source>≤ 预警一半</source>
        <translation>≤ half the warning time</translation>
    </message>
    <message>
        <location line="+0" />
        <source>≤ 预警时长</source>
        <translation>≤ the warning time</translation>
    </message>
    <message>
        <location line="+0" />
        <source>超预警</source>
        <translation>over the warning time</translation>
    </message>
    <message>
        <location line="+0" />
        <source>超预警两倍</source>
        <translation>over twice the warning time</translation>
    </message>
    <message>
        <location line="+9" />
        <source>{0} {1}（{2}分）</source>
        <translation>{0} {1} ({2} min)</translation>
    </message>
    <message>
        <location line="+18" />
        <source>忙碌占开放时间</source>
        <translation>Busy share of open time</translation>
    </message>
    <message>
        <location line="+5" />
        <source>{0}号</source>
        <translation>No. {0}</translation>
    </message>
    <message>
        <location line="+42" />
        <source>{0}：{1}</source>
        <translation>{0}: {1}</translation>
    </message>
    <message>
        <location line="+3" />
        <source>{0}：预计 {1} 人，高峰 {2}时 约 {3} 人，建议开 {4} 个窗口（{5}）</source>
        <translation>{0}: about {1} tickets expected, peak at {2}:00 with about {3}; open {4} counters ({5})</translation>
    </message>
    <message>
        <location line="+9" />
        <source>未来一个月没有工作日</source>
        <translation>No working day in the next month</translation>
    </message>
    <message>
        <location line="+4" />
        <source>（调休上班）</source>
        <translation>(make-up working day)</translation>
    </message>
</context>
<context>
    <name>ConfirmDialog</name>
    <message>
        <location filename="../../ui/counter/confirm.py" line="+18" />
        <source>取消 (Esc)</source>
        <translation>Cancel (Esc)</translation>
    </message>
</context>
<context>
    <name>ContactDialog</name>
    <message>
        <location filename="../../ui/counter/contact.py" line="+42" />
        <source>登记提醒电话</source>
        <translation>Reminder phone</translation>
    </message>
    <message>
        <location line="+3" />
        <source>号票 {0} 的叫号提醒短信发送到：</source>
        <translation>Send the SMS reminders of ticket {0} to:</translation>
    </message>
    <message>
        <location line="+4" />
        <source>本人手机</source>
        <translation>Own mobile</translation>
    </message>
    <message>
        <location line="+1" />
        <source>亲属手机（老年人等）</source>
        <translation>A relative's mobile (elderly applicants)</translation>
    </message>
    <message>
        <location line="+10" />
        <source>11 位手机号码</source>
        <translation>11-digit mobile number</translation>
    </message>
</context>
<context>
    <name>ContactPage</name>
    <message>
        <location filename="../../ui/kiosk/contact_page.py" line="+41" />
        <source>留一个家人的手机号
快轮到您时发短信提醒</source>
        <extracomment>the page is done: the masked number saved, or "" when the applicant went back without one</extracomment>
        <translation>Leave a relative's mobile number:
we send an SMS when your turn is near</translation>
    </message>
    <message>
        <location line="+11" />
        <source>清空</source>
        <translation>Clear</translation>
    </message>
    <message>
        <location line="+9" />
        <source>保存手机号</source>
        <translation>Save the number</translation>
    </message>
    <message>
        <location line="+2" />
        <source>不用了，返回</source>
        <translation>No thanks, go back</translation>
    </message>
    <message>
        <location line="+32" />
        <source>请先输入手机号</source>
        <translation>Please enter the mobile number first</translation>
    </message>
    <message>
        <location line="+15" />
        <source>保存失败，请找工作人员帮忙</source>
        <translation>Could not save; please ask the staff for help</translation>
    </message>
</context>
<context>
    <name>CounterWindow</name>
    <message>
        <location filename="../../ui/counter/window.py" line="+77" />
        <source>综合一窗 · %1 · %2</source>
        <translation>OneWindow · %1 · %2</translation>
    </message>
    <message>
        <location line="+9" />
        <source>受理 (Alt+1)</source>
        <translation>Intake (Alt+1)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>我的办件 (Alt+2)</source>
        <translation>My cases (Alt+2)</translation>
    </message>
    <message>
        <location line="+5" />
        <location line="+129" />
        <source>政策 (Alt+3)</source>
        <translation>Policies (Alt+3)</translation>
    </message>
    <message>
        <location line="-117" />
        <source>修改密码</source>
        <translation>Change password</translation>
    </message>
    <message>
        <location line="+5" />
        <source>绑定身份证</source>
        <translation>Bind ID card</translation>
    </message>
    <message>
        <location line="+6" />
        <source>12345 诉求 (F9)</source>
        <translation>12345 request (F9)</translation>
    </message>
    <message>
        <location line="+7" />
        <source>锁定 (Ctrl+L)</source>
        <translation>Lock (Ctrl+L)</translation>
    </message>
    <message>
        <location line="+5" />
        <source>注销</source>
        <translation>Log out</translation>
    </message>
    <message>
        <location line="+7" />
        <source>代办 (Ctrl+D)</source>
        <translation>Agency (Ctrl+D)</translation>
    </message>
    <message>
        <location line="+6" />
        <source>提醒电话 (Ctrl+M)</source>
        <translation>Reminder phone (Ctrl+M)</translation>
    </message>
    <message>
        <location line="+6" />
        <source>差评申诉</source>
        <translation>Appeal a bad rating</translation>
    </message>
    <message>
        <location line="+51" />
        <source>已恢复上次未完成的受理内容</source>
        <translation>Restored the unfinished intake from last time</translation>
    </message>
    <message>
        <location line="+24" />
        <source>政策 %1 (Alt+3)</source>
        <translation>Policies %1 (Alt+3)</translation>
    </message>
    <message>
        <location line="+16" />
        <source>已登记 12345 诉求 %1，办理时限 %2</source>
        <translation>12345 request %1 recorded, due by %2</translation>
    </message>
    <message>
        <location line="+18" />
        <source>密码已修改</source>
        <translation>Password changed</translation>
    </message>
    <message>
        <location line="+16" />
        <source>已绑定本人身份证，下次可刷卡登录（仍需密码）</source>
        <translation>Your ID card is bound: next time log in with it (the password is still asked)</translation>
    </message>
    <message>
        <location line="+36" />
        <source>请先叫号，再登记提醒电话</source>
        <translation>Call a ticket first, then record its reminder phone</translation>
    </message>
    <message>
        <location line="+8" />
        <source>已登记提醒电话 {0}</source>
        <translation>Reminder phone recorded: {0}</translation>
    </message>
    <message>
        <location line="+37" />
        <source>已解锁</source>
        <translation>Unlocked</translation>
    </message>
    <message>
        <location line="+17" />
        <source>注意：该账号已在其他电脑登录</source>
        <translation>Note: this account is logged in on another PC</translation>
    </message>
    <message>
        <location line="+45" />
        <source>注意：表单中仍是上一位申请人的内容，如不再办理请清空后再受理</source>
        <translation>Note: the form still holds the previous applicant's details; clear it before a new intake</translation>
    </message>
    <message>
        <location line="+6" />
        <source>当前申请人：%1</source>
        <translation>Current applicant: %1</translation>
    </message>
    <message>
        <location line="+28" />
        <source>已办理：%1</source>
        <translation>Done: %1</translation>
    </message>
    <message>
        <location line="+10" />
        <source>已办理：%1 · 按 Ctrl+P 打印文书，Ctrl+Shift+P 预览</source>
        <translation>Done: %1 · Ctrl+P prints the documents, Ctrl+Shift+P previews them</translation>
    </message>
    <message>
        <location line="+15" />
        <source>没有可打印的文书（请先完成受理）</source>
        <translation>No documents to print (finish an intake first)</translation>
    </message>
    <message>
        <location line="+7" />
        <source>打印失败：%1</source>
        <translation>Printing failed: %1</translation>
    </message>
    <message>
        <location line="+4" />
        <source>已打印：%1（%2）</source>
        <translation>Printed: %1 (%2)</translation>
    </message>
    <message>
        <location line="+9" />
        <source>没有可预览的文书（请先完成受理）</source>
        <translation>No documents to preview (finish an intake first)</translation>
    </message>
</context>
<context>
    <name>DevicesPage</name>
    <message>
        <location filename="../../ui/wizard/wizard.py" line="+363" />
        <source>设备</source>
        <translation>Devices</translation>
    </message>
    <message>
        <location line="+1" />
        <source>接好身份证阅读器、测温仪和票据打印机后点“查找设备”：逐个串口试探，约需十秒。</source>
        <translation>Connect the ID-card reader, thermometer and ticket printer, then press "Find devices": every serial port is tried, which takes about ten seconds.</translation>
    </message>
    <message>
        <location line="+3" />
        <source>查找设备</source>
        <translation>Find devices</translation>
    </message>
    <message>
        <location line="+7" />
        <source>串口</source>
        <translation>Serial port</translation>
    </message>
    <message>
        <location line="+0" />
        <source>应答的设备</source>
        <translation>Device that answered</translation>
    </message>
    <message>
        <location line="+11" />
        <source>放卡测试</source>
        <translation>Card test</translation>
    </message>
    <message>
        <location line="+1" />
        <source>测温测试</source>
        <translation>Temperature test</translation>
    </message>
    <message>
        <location line="+1" />
        <source>打印测试票</source>
        <translation>Print a test ticket</translation>
    </message>
    <message>
        <location line="+4" />
        <source>不接</source>
        <translation>Not connected</translation>
    </message>
    <message>
        <location line="+48" />
        <source>查找完毕：{0} 个串口，{1} 台设备应答。</source>
        <translation>Search finished: {0} serial ports, {1} devices answered.</translation>
    </message>
    <message>
        <location line="+34" />
        <source>请先为{0}选一个串口</source>
        <translation>Choose a serial port for the {0} first</translation>
    </message>
    <message>
        <location line="+4" />
        <source>请把身份证放到阅读器上……</source>
        <translation>Place an ID card on the reader…</translation>
    </message>
</context>
<context>
    <name>DisplayBoard</name>
    <message>
        <location filename="../../ui/display/board.py" line="+196" />
        <source>呼叫中</source>
        <extracomment>the design size; fonts and spacings scale with min(width / 1920, height / 1080) font pixel sizes at the design size, per role rows a page never exceeds (a portrait 4K screen would fit more; nobody reads that far) a call is on screen (number, window) — tests and the bench wait for it a snapshot was applied the windows list turned to another page (index, count)</extracomment>
        <translation>Calling</translation>
    </message>
    <message>
        <location line="+1" />
        <source>办理中</source>
        <translation>Serving</translation>
    </message>
    <message>
        <location line="+1" />
        <source>空闲</source>
        <translation>Free</translation>
    </message>
    <message>
        <location line="+1" />
        <source>暂停服务</source>
        <translation>Pause service</translation>
    </message>
    <message>
        <location line="+46" />
        <source>叫号显示屏</source>
        <translation>Call display</translation>
    </message>
    <message>
        <location line="+14" />
        <source>正在叫号</source>
        <translation>Now calling</translation>
    </message>
    <message>
        <location line="+6" />
        <source>欢迎光临</source>
        <translation>Welcome</translation>
    </message>
    <message>
        <location line="+36" />
        <source>窗口状态</source>
        <translation>Counter status</translation>
    </message>
    <message>
        <location line="+14" />
        <source>窗口</source>
        <translation>Counter</translation>
    </message>
    <message>
        <location line="+0" />
        <source>当前号码</source>
        <translation>Current number</translation>
    </message>
    <message>
        <location line="+0" />
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location line="+6" />
        <source>暂无开放窗口</source>
        <translation>No counter open</translation>
    </message>
    <message>
        <location line="+14" />
        <source>各业务等候人数</source>
        <translation>Waiting per service</translation>
    </message>
    <message>
        <location line="+222" />
        <source>请到 {0} 等候</source>
        <translation>Please wait at {0}</translation>
    </message>
    <message>
        <location line="+0" />
        <source>{0} 等候</source>
        <translation>Wait at {0}</translation>
    </message>
    <message>
        <location line="+3" />
        <source>{0} {1} 号窗口</source>
        <translation>{0}, counter {1}</translation>
    </message>
    <message>
        <location line="+3" />
        <source>请到 {0} {1} 号窗口</source>
        <translation>Please go to {0}, counter {1}</translation>
    </message>
    <message>
        <location line="+2" />
        <source>请到 {0} 号窗口</source>
        <translation>Please go to counter {0}</translation>
    </message>
    <message>
        <location line="+1" />
        <source>（重呼）</source>
        <translation>(called again)</translation>
    </message>
    <message>
        <location line="-5" />
        <source>{0} 号窗口</source>
        <translation>Counter {0}</translation>
    </message>
    <message>
        <location line="-10" />
        <source> 重呼</source>
        <translation> again</translation>
    </message>
    <message>
        <location line="+20" />
        <source>第 {0} 页</source>
        <translation>Page {0}</translation>
    </message>
    <message>
        <location line="+10" />
        <source>{0}号窗口</source>
        <translation>Counter {0}</translation>
    </message>
    <message>
        <location line="+16" />
        <source>{0} 人</source>
        <translation>{0} waiting</translation>
    </message>
    <message>
        <location line="-321" />
        <source>最近叫号</source>
        <translation>Recent calls</translation>
    </message>
</context>
<context>
    <name>DocumentPreview</name>
    <message>
        <location filename="../../ui/counter/preview.py" line="+181" />
        <source>文书预览与打印</source>
        <translation>Document preview and printing</translation>
    </message>
    <message>
        <location line="+30" />
        <source>打印 (Ctrl+P)</source>
        <translation>Print (Ctrl+P)</translation>
    </message>
    <message>
        <location line="+4" />
        <source>选择打印机…</source>
        <translation>Choose printer…</translation>
    </message>
    <message>
        <location line="+2" />
        <source>关闭 (Esc)</source>
        <translation>Close (Esc)</translation>
    </message>
    <message>
        <location line="+79" />
        <source>已打印：%1（%2）</source>
        <translation>Printed: %1 (%2)</translation>
    </message>
    <message>
        <location line="-45" />
        <source>%1，共 %2 页</source>
        <translation>%1, %2 pages</translation>
    </message>
</context>
<context>
    <name>EvaluatorWindow</name>
    <message>
        <location filename="../../ui/evaluator/window.py" line="+93" />
        <source>服务评价</source>
        <translation>Service rating</translation>
    </message>
    <message>
        <location line="+82" />
        <source>很抱歉给您带来不便。请选择不满意的原因（必选）：</source>
        <translation>We are sorry for the inconvenience. Please choose what you were unhappy with (required):</translation>
    </message>
    <message>
        <location line="+23" />
        <source>分项评价（选填）</source>
        <translation>Rate each aspect (optional)</translation>
    </message>
    <message>
        <location line="+25" />
        <source>意见或建议（选填）</source>
        <translation>Comments or suggestions (optional)</translation>
    </message>
    <message>
        <location line="+11" />
        <source>暂不评价</source>
        <translation>Not now</translation>
    </message>
    <message>
        <location line="+6" />
        <source>提交评价</source>
        <translation>Submit rating</translation>
    </message>
    <message>
        <location line="+54" />
        <source>欢迎办事，请对我们的服务进行监督</source>
        <translation>Welcome. Please help us improve our service</translation>
    </message>
    <message>
        <location line="+1" />
        <source>办结后可在此评价</source>
        <translation>You can rate our service here once your case is done</translation>
    </message>
    <message>
        <location line="+11" />
        <source>请您对本次服务进行评价</source>
        <translation>Please rate this service</translation>
    </message>
    <message>
        <location line="+90" />
        <source>%1 号已完成评价</source>
        <translation>Ticket %1 has been rated</translation>
    </message>
    <message>
        <location line="+6" />
        <source>您的意见我们会认真对待</source>
        <translation>We take your feedback seriously</translation>
    </message>
    <message>
        <location line="-95" />
        <source>号码</source>
        <translation>Ticket</translation>
    </message>
    <message>
        <location line="+47" />
        <source>请先选择评价等级</source>
        <translation>Please choose a rating first</translation>
    </message>
    <message>
        <location line="+3" />
        <source>请选择不满意的原因</source>
        <translation>Please choose what you were unhappy with</translation>
    </message>
    <message>
        <location line="+35" />
        <source>评价保存失败，请稍后再试</source>
        <translation>Could not save the rating, please try again later</translation>
    </message>
    <message>
        <location line="+9" />
        <source>感谢您的评价！</source>
        <translation>Thank you for your rating!</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <location filename="../../ui/manager/hotline.py" line="+52" />
        <source>导出 12345 工单</source>
        <translation>Export 12345 work orders</translation>
    </message>
    <message>
        <location line="+6" />
        <source>受理日期从</source>
        <translation>Received from</translation>
    </message>
    <message>
        <location line="+1" />
        <source>到</source>
        <translation>to</translation>
    </message>
    <message>
        <location line="+1" />
        <source>导出文件含联系人和电话，请妥善保管。</source>
        <translation>The file holds names and phone numbers: keep it safe.</translation>
    </message>
    <message>
        <location line="+7" />
        <source>结束日期早于开始日期</source>
        <translation>The end date is before the start date</translation>
    </message>
</context>
<context>
    <name>FinishPage</name>
    <message>
        <location filename="../../ui/wizard/wizard.py" line="+188" />
        <source>完成</source>
        <translation>Finish</translation>
    </message>
    <message>
        <location line="+0" />
        <source>点“保存设置”写入设置，然后自动检查这台电脑能否开始服务。</source>
        <translation>Press "Save settings" to write the settings; then this PC is checked for service.</translation>
    </message>
    <message>
        <location line="+2" />
        <source>开机后自动启动本程序</source>
        <translation>Start this program when the PC starts</translation>
    </message>
    <message>
        <location line="+3" />
        <source>保存设置</source>
        <translation>Save settings</translation>
    </message>
    <message>
        <location line="+29" />
        <source>检查结果：</source>
        <translation>Check results:</translation>
    </message>
    <message>
        <location line="+4" />
        <source>设置已保存；检查发现 {0} 个问题，见上面各行的解决办法。</source>
        <translation>Settings saved; the checks found {0} problems: the fix is on each line above.</translation>
    </message>
    <message>
        <location line="+4" />
        <source>设置已保存，检查全部通过。可以开始服务了。</source>
        <translation>Settings saved and every check passed. Ready for service.</translation>
    </message>
</context>
<context>
    <name>FollowUpDialog</name>
    <message>
        <location filename="../../ui/manager/actions.py" line="+100" />
        <source>记录回访</source>
        <translation>Record call-back</translation>
    </message>
    <message>
        <location line="+3" />
        <source>差评</source>
        <translation>Bad rating</translation>
    </message>
    <message>
        <location line="+8" />
        <source>回访时间</source>
        <translation>Call-back time</translation>
    </message>
    <message>
        <location line="+5" />
        <source>回访方式</source>
        <translation>Method</translation>
    </message>
    <message>
        <location line="+3" />
        <source>回访情况：联系结果、说明与整改措施</source>
        <translation>Outcome: contact result, explanation, corrective action</translation>
    </message>
    <message>
        <location line="+2" />
        <source>回访情况</source>
        <translation>Outcome</translation>
    </message>
    <message>
        <location line="+5" />
        <source>满意</source>
        <translation>Satisfied</translation>
    </message>
    <message>
        <location line="+1" />
        <source>仍不满意</source>
        <translation>Still dissatisfied</translation>
    </message>
    <message>
        <location line="+1" />
        <source>未表态</source>
        <translation>No answer</translation>
    </message>
    <message>
        <location line="+9" />
        <source>申请人意见</source>
        <translation>Applicant's view</translation>
    </message>
    <message>
        <location line="+5" />
        <source>请填写回访情况</source>
        <translation>Please enter the call-back outcome</translation>
    </message>
    <message>
        <location line="+3" />
        <source>请选择申请人对回访的意见</source>
        <translation>Please choose the applicant's view after the call-back</translation>
    </message>
</context>
<context>
    <name>HallOverviewWindow</name>
    <message>
        <location filename="../../ui/overview.py" line="+61" />
        <source>{0} · 大厅总览</source>
        <extracomment>the matter name column is never narrower than this many characters the department column: this many characters, longer names wrap the size the overview opens at, at most (and 90 % of a smaller screen)</extracomment>
        <translation>{0} · Hall overview</translation>
    </message>
    <message>
        <location line="+6" />
        <source>事项编码</source>
        <translation>Matter code</translation>
    </message>
    <message>
        <location line="+1" />
        <source>事项名称</source>
        <translation>Matter name</translation>
    </message>
    <message>
        <location line="+1" />
        <source>实施部门</source>
        <translation>Department</translation>
    </message>
    <message>
        <location line="+1" />
        <source>事项类型</source>
        <translation>Matter type</translation>
    </message>
    <message>
        <location line="+1" />
        <source>法定时限</source>
        <translation>Legal time limit</translation>
    </message>
    <message>
        <location line="+1" />
        <source>承诺时限</source>
        <translation>Promised time limit</translation>
    </message>
    <message>
        <location line="+1" />
        <source>办理方式</source>
        <translation>Handling</translation>
    </message>
    <message>
        <location line="+8" />
        <source>按事项名称、编码或部门筛选</source>
        <translation>Filter by matter name, code or department</translation>
    </message>
    <message>
        <location line="+12" />
        <source>业务</source>
        <translation>Service</translation>
    </message>
    <message>
        <location line="+1" />
        <source>号头</source>
        <translation>Prefix</translation>
    </message>
    <message>
        <location line="+1" />
        <source>等候</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <location line="+1" />
        <source>最长等候(分)</source>
        <translation>Longest wait (min)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>今日取号</source>
        <translation>Tickets today</translation>
    </message>
    <message>
        <location line="+15" />
        <source>&lt;b&gt;事项目录&lt;/b&gt;</source>
        <translation>&lt;b&gt;Matter catalogue&lt;/b&gt;</translation>
    </message>
    <message>
        <location line="+5" />
        <source>&lt;b&gt;实时排队&lt;/b&gt;</source>
        <translation>&lt;b&gt;Live queue&lt;/b&gt;</translation>
    </message>
    <message>
        <location line="+93" />
        <source>排队数据暂时无法读取</source>
        <translation>Queue data is temporarily unavailable</translation>
    </message>
    <message>
        <location line="+7" />
        <source>共 {0} 人等候，{1} 个窗口正在办理，{2} 项事项</source>
        <translation>{0} waiting, {1} counters serving, {2} matters</translation>
    </message>
</context>
<context>
    <name>HallPage</name>
    <message>
        <location filename="../../ui/wizard/wizard.py" line="-473" />
        <source>大厅数据库</source>
        <translation>Hall database</translation>
    </message>
    <message>
        <location line="+0" />
        <source>全大厅共用一个数据库：排队、办件都在里面。</source>
        <translation>The whole hall shares one database: the queue and the cases live in it.</translation>
    </message>
    <message>
        <location line="+17" />
        <source>从大厅服务器复制来的 onewindow.secrets</source>
        <translation>onewindow.secrets copied from the hall server</translation>
    </message>
    <message>
        <location line="+6" />
        <source>数据库文件</source>
        <translation>Database file</translation>
    </message>
    <message>
        <location line="+1" />
        <source>本机 PostgreSQL</source>
        <translation>Local PostgreSQL</translation>
    </message>
    <message>
        <location line="+1" />
        <source>大厅服务器地址</source>
        <translation>Hall server address</translation>
    </message>
    <message>
        <location line="+1" />
        <source>端口</source>
        <translation>Port</translation>
    </message>
    <message>
        <location line="+1" />
        <source>数据库名</source>
        <translation>Database name</translation>
    </message>
    <message>
        <location line="+1" />
        <source>账号</source>
        <translation>Account</translation>
    </message>
    <message>
        <location line="+1" />
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <location line="+1" />
        <source>密钥文件</source>
        <translation>Keys file</translation>
    </message>
    <message>
        <location line="+25" />
        <source>单机站点：数据库是本机的一个文件。已有的文件会保留全部数据，只做升级。</source>
        <translation>Single-PC site: the database is a file on this PC. An existing file keeps all its data and is only upgraded.</translation>
    </message>
    <message>
        <location line="+1" />
        <source>建立 / 检查数据库</source>
        <translation>Create / check the database</translation>
    </message>
    <message>
        <location line="+4" />
        <source>大厅服务器：在本机 PostgreSQL 上建立大厅数据库和专用账号（密码随机生成，存入本机密码文件）。</source>
        <translation>Hall server: creates the hall database and its own account on this PC's PostgreSQL (random password, kept in this PC's password file).</translation>
    </message>
    <message>
        <location line="+2" />
        <source>查找本机数据库并建立</source>
        <translation>Find the local database server and create</translation>
    </message>
    <message>
        <location line="+3" />
        <source>连接大厅服务器：填写服务器设置完成时显示的地址、账号和密码。</source>
        <translation>Joining a hall server: enter the address, account and password shown when the server's set-up finished.</translation>
    </message>
    <message>
        <location line="+1" />
        <source>测试连接</source>
        <translation>Test the connection</translation>
    </message>
</context>
<context>
    <name>HotlineDialog</name>
    <message>
        <location filename="../../ui/counter/hotline_dialog.py" line="+65" />
        <source>登记 12345 诉求</source>
        <translation>Record a 12345 request</translation>
    </message>
    <message>
        <location line="+6" />
        <source>（请选择）</source>
        <translation>(choose)</translation>
    </message>
    <message>
        <location line="+3" />
        <source>诉求类型</source>
        <translation>Category</translation>
    </message>
    <message>
        <location line="+2" />
        <source>涉及当前事项：%1</source>
        <translation>About the current matter: %1</translation>
    </message>
    <message>
        <location line="+2" />
        <source>涉及当前事项</source>
        <translation>About the current matter</translation>
    </message>
    <message>
        <location line="+5" />
        <source>事项</source>
        <translation>Matter</translation>
    </message>
    <message>
        <location line="+4" />
        <source>涉及部门</source>
        <translation>Department</translation>
    </message>
    <message>
        <location line="+3" />
        <source>群众反映的情况和诉求，尽量用群众的原话</source>
        <translation>What the citizen reports and asks for, in their own words where possible</translation>
    </message>
    <message>
        <location line="+2" />
        <source>诉求内容</source>
        <translation>Request</translation>
    </message>
    <message>
        <location line="+4" />
        <source>联系人</source>
        <translation>Contact name</translation>
    </message>
    <message>
        <location line="+4" />
        <source>联系电话</source>
        <translation>Phone</translation>
    </message>
    <message>
        <location line="+1" />
        <source>本人同意留下联系方式并接受回访</source>
        <translation>The citizen agrees to leave a contact and be called back</translation>
    </message>
    <message>
        <location line="+11" />
        <source>登记</source>
        <translation>Record</translation>
    </message>
    <message>
        <location line="+1" />
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location line="+12" />
        <source>请选择诉求类型</source>
        <translation>Choose a category</translation>
    </message>
    <message>
        <location line="+38" />
        <source>登记失败，请重试或联系管理员</source>
        <translation>Could not record it. Try again or call the administrator</translation>
    </message>
</context>
<context>
    <name>HotlineTab</name>
    <message>
        <location filename="../../ui/manager/hotline.py" line="+31" />
        <source>诉求编号</source>
        <extracomment>the ledger was loaded (list of ItemInfo) an action finished: its name, or "" when refused an export finished: the file, or "" when it failed</extracomment>
        <translation>Request number</translation>
    </message>
    <message>
        <location line="+1" />
        <source>来源</source>
        <translation>Channel</translation>
    </message>
    <message>
        <location line="+1" />
        <source>类型</source>
        <translation>Type</translation>
    </message>
    <message>
        <location line="+1" />
        <source>涉及部门</source>
        <translation>Department</translation>
    </message>
    <message>
        <location line="+2" />
        <source>诉求内容</source>
        <translation>Request</translation>
    </message>
    <message>
        <location line="+5" />
        <source>办理时限</source>
        <translation>Due by</translation>
    </message>
    <message>
        <location line="+1" />
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location line="+2" />
        <source>答复完整</source>
        <translation>Reply complete</translation>
    </message>
    <message>
        <location line="+2" />
        <source>满意度</source>
        <translation>Satisfaction</translation>
    </message>
    <message>
        <location line="+14" />
        <source>只看未办结</source>
        <translation>Open only</translation>
    </message>
    <message>
        <location line="+3" />
        <source>刷新</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <location line="+6" />
        <source>转办…</source>
        <translation>Assign…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>答复…</source>
        <translation>Reply…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>满意度回访…</source>
        <translation>Satisfaction call-back…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>办结</source>
        <translation>Complete</translation>
    </message>
    <message>
        <location line="+1" />
        <source>导出 CSV…</source>
        <translation>Export CSV…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>导出 XLSX…</source>
        <translation>Export XLSX…</translation>
    </message>
    <message>
        <location line="+30" />
        <source>%1（已超期）</source>
        <translation>%1 (overdue)</translation>
    </message>
    <message>
        <location line="+22" />
        <source>共 %1 条，未办结 %2 条，已超期 %3 条</source>
        <translation>%1 items, %2 open, %3 overdue</translation>
    </message>
    <message>
        <location line="+11" />
        <source>读取诉求失败</source>
        <translation>Could not read the requests</translation>
    </message>
    <message>
        <location line="+61" />
        <source>已转办：%1 → %2</source>
        <translation>Assigned: %1 → %2</translation>
    </message>
    <message>
        <location line="+15" />
        <source>已答复：%1</source>
        <translation>Replied: %1</translation>
    </message>
    <message>
        <location line="+15" />
        <source>已记录回访：%1 %2</source>
        <translation>Call-back recorded: %1 %2</translation>
    </message>
    <message>
        <location line="+13" />
        <source>已办结：%1</source>
        <translation>Closed: %1</translation>
    </message>
    <message>
        <location line="+7" />
        <source>导出 12345 工单</source>
        <translation>Export 12345 work orders</translation>
    </message>
    <message>
        <location line="+18" />
        <source>已导出 %1 条到 %2</source>
        <translation>Exported %1 items to %2</translation>
    </message>
    <message>
        <location line="+5" />
        <source>无法写入文件：%1</source>
        <translation>Cannot write the file: %1</translation>
    </message>
</context>
<context>
    <name>IdentityPage</name>
    <message>
        <location filename="../../ui/wizard/wizard.py" line="-159" />
        <source>站点登记</source>
        <translation>Site enrolment</translation>
    </message>
    <message>
        <location line="+2" />
        <source>选择区中心发来的登记文件，输入区中心电话告知的登记码。文件被改动过或登记码不对时会被拒绝。</source>
        <translation>Choose the enrolment file from the district centre and type the enrolment code it gave by telephone. A changed file or a wrong code is refused.</translation>
    </message>
    <message>
        <location line="+6" />
        <source>例如 /media/U盘/CN01.enrol</source>
        <translation>e.g. /media/usb/CN01.enrol</translation>
    </message>
    <message>
        <location line="+1" />
        <source>选择文件…</source>
        <translation>Choose file…</translation>
    </message>
    <message>
        <location line="+4" />
        <source>登记文件</source>
        <translation>Enrolment file</translation>
    </message>
    <message>
        <location line="+3" />
        <source>登记码</source>
        <translation>Enrolment code</translation>
    </message>
    <message>
        <location line="+3" />
        <source>核验登记文件</source>
        <translation>Check the enrolment file</translation>
    </message>
    <message>
        <location line="+2" />
        <source>测试连接区中心</source>
        <translation>Test the connection to the centre</translation>
    </message>
    <message>
        <location line="+15" />
        <source>选择登记文件</source>
        <translation>Choose the enrolment file</translation>
    </message>
    <message>
        <location line="+0" />
        <source>登记文件 (*.enrol);;所有文件 (*)</source>
        <translation>Enrolment files (*.enrol);;All files (*)</translation>
    </message>
    <message>
        <location line="+21" />
        <source>加密连接，根证书已核验</source>
        <translation>Encrypted connection, CA certificate checked</translation>
    </message>
    <message>
        <location line="+2" />
        <source>未加密（仅限演示或测试中心）</source>
        <translation>Not encrypted (demo or test centre only)</translation>
    </message>
    <message>
        <location line="+3" />
        <source>站点：{0}  {1}
区中心：{2}
站点账号：{3}（{4}）</source>
        <translation>Site: {0}  {1}
Centre: {2}
Site account: {3} ({4})</translation>
    </message>
    <message>
        <location line="+4" />
        <source>登记文件完好，已核验。</source>
        <translation>The enrolment file is intact and checked.</translation>
    </message>
</context>
<context>
    <name>IntakeForm</name>
    <message>
        <location filename="../../ui/counter/intake.py" line="+68" />
        <source>受理</source>
        <translation>Accept</translation>
    </message>
    <message>
        <location line="+1" />
        <source>一次性告知</source>
        <translation>One-time notice</translation>
    </message>
    <message>
        <location line="+1" />
        <source>告知承诺</source>
        <translation>Commitment</translation>
    </message>
    <message>
        <location line="+1" />
        <source>容缺受理</source>
        <translation>Tolerance acceptance</translation>
    </message>
    <message>
        <location line="+1" />
        <source>不予受理</source>
        <translation>Reject</translation>
    </message>
    <message>
        <location line="+1" />
        <source>秒批</source>
        <translation>Instant approval</translation>
    </message>
    <message>
        <location line="+69" />
        <source>申请人（刷身份证自动填写）</source>
        <translation>Applicant (filled in from the ID card)</translation>
    </message>
    <message>
        <location line="+3" />
        <source>个人</source>
        <translation>Individual</translation>
    </message>
    <message>
        <location line="+1" />
        <source>企业</source>
        <translation>Company</translation>
    </message>
    <message>
        <location line="+11" />
        <source>类型</source>
        <translation>Type</translation>
    </message>
    <message>
        <location line="+8" />
        <location line="+173" />
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <location line="-172" />
        <source>证件号码</source>
        <translation>ID number</translation>
    </message>
    <message>
        <location line="+1" />
        <source>手机号码</source>
        <translation>Mobile number</translation>
    </message>
    <message>
        <location line="+1" />
        <source>地址</source>
        <translation>Address</translation>
    </message>
    <message>
        <location line="+1" />
        <source>企业名称</source>
        <translation>Company name</translation>
    </message>
    <message>
        <location line="+1" />
        <source>统一社会信用代码</source>
        <translation>Unified social credit code</translation>
    </message>
    <message>
        <location line="+1" />
        <source>法定代表人</source>
        <translation>Legal representative</translation>
    </message>
    <message>
        <location line="+27" />
        <source>办理事项（名称、编码或拼音首字母；一件事）</source>
        <translation>Matter (name, code or pinyin initials; one-go bundle)</translation>
    </message>
    <message>
        <location line="+4" />
        <source>例如：gtgsh、个体工商户、事项编码</source>
        <translation>e.g. gtgsh, 个体工商户, matter code</translation>
    </message>
    <message>
        <location line="+10" />
        <location line="+380" />
        <source>尚未选择事项</source>
        <translation>No matter selected</translation>
    </message>
    <message>
        <location line="-378" />
        <source>清除事项</source>
        <translation>Clear matter</translation>
    </message>
    <message>
        <location line="+10" />
        <source>申请材料（勾选已收取；红色为核心材料）</source>
        <translation>Materials (tick those received; core materials in red)</translation>
    </message>
    <message>
        <location line="+41" />
        <source>不予受理理由 / 一次性告知的其他事项 / 备注（每行一条）</source>
        <translation>Rejection reasons / other one-time notice items / notes (one per line)</translation>
    </message>
    <message>
        <location line="+73" />
        <source>经办人姓名</source>
        <translation>Clerk name</translation>
    </message>
    <message>
        <location line="+35" />
        <source>实名取号：%1 · 请刷其身份证填写</source>
        <translation>Real-name ticket: %1 · swipe their ID card to fill the form</translation>
    </message>
    <message>
        <location line="+13" />
        <source>此证件不能用于办理：%1</source>
        <translation>This card cannot be used: %1</translation>
    </message>
    <message>
        <location line="+7" />
        <source>更换申请人</source>
        <translation>Replace the applicant</translation>
    </message>
    <message>
        <location line="+1" />
        <source>表单中已是另一位申请人（%1），所刷身份证为 %2。是否替换为刷卡人？</source>
        <translation>The form holds another applicant (%1); the card is %2's. Replace with the card holder?</translation>
    </message>
    <message>
        <location line="+3" />
        <source>替换 (Y)</source>
        <translation>Replace (Y)</translation>
    </message>
    <message>
        <location line="+2" />
        <source>已保留表单中的申请人，未使用刷卡信息</source>
        <translation>The applicant in the form was kept; the card was not used</translation>
    </message>
    <message>
        <location line="+20" />
        <source>与取号人不一致</source>
        <translation>Not the ticket holder</translation>
    </message>
    <message>
        <location line="+1" />
        <source>所刷身份证（%1）不是该号的实名取号人（%2）。确认由刷卡人办理？</source>
        <translation>The card swiped (%1) is not this ticket's holder (%2). Serve the card holder?</translation>
    </message>
    <message>
        <location line="+3" />
        <source>确认办理 (Y)</source>
        <translation>Serve them (Y)</translation>
    </message>
    <message>
        <location line="+3" />
        <source>刷卡人与实名取号人不一致，未填入表单</source>
        <translation>The card is not the ticket holder's; the form was not filled</translation>
    </message>
    <message>
        <location line="+19" />
        <source>已读取身份证：%1</source>
        <translation>ID card read: %1</translation>
    </message>
    <message>
        <location line="+38" />
        <source>必交材料已齐全</source>
        <translation>All required materials received</translation>
    </message>
    <message>
        <location line="+3" />
        <source>缺少材料：%1</source>
        <translation>Missing materials: %1</translation>
    </message>
    <message>
        <location line="+2" />
        <source>（均可容缺受理）</source>
        <translation>(all may be supplied later under 容缺)</translation>
    </message>
    <message>
        <location line="+2" />
        <source>（其中可容缺：%1）</source>
        <translation>(may be supplied later under 容缺: %1)</translation>
    </message>
    <message>
        <location line="+107" />
        <source>即办</source>
        <translation>Immediate</translation>
    </message>
    <message>
        <location line="+5" />
        <source>（另需到区政务服务中心办理：%1）</source>
        <translation>(also to be handled at the district service centre: %1)</translation>
    </message>
    <message>
        <location line="+42" />
        <source>正在保存，请稍候</source>
        <translation>Saving, please wait</translation>
    </message>
    <message>
        <location line="+3" />
        <source>当前所选事项不支持该办理方式</source>
        <translation>The selected matter does not allow this handling</translation>
    </message>
    <message>
        <location line="+14" />
        <source>正在保存…</source>
        <translation>Saving…</translation>
    </message>
    <message>
        <location line="+31" />
        <source>保存失败，表单内容已保留，请重试：%1</source>
        <translation>Could not save; the form is kept, please try again: %1</translation>
    </message>
    <message>
        <location line="+175" />
        <source>读取草稿失败：%1</source>
        <translation>Could not read the draft: %1</translation>
    </message>
    <message>
        <location line="-189" />
        <source>已办理：%1，正在生成文书…</source>
        <translation>Done: %1, generating documents…</translation>
    </message>
    <message>
        <location line="-431" />
        <source>全部收到 (Ctrl+Shift+A)</source>
        <translation>All received (Ctrl+Shift+A)</translation>
    </message>
    <message>
        <location line="+465" />
        <source>已办理：%1</source>
        <translation>Done: %1</translation>
    </message>
    <message>
        <location line="+12" />
        <source>办件已保存，但文书生成失败（%1），请在“我的办件”中重新打印</source>
        <translation>Case saved, but the documents failed (%1); reprint them from "My cases"</translation>
    </message>
    <message>
        <location line="+78" />
        <source>草稿中的事项已不可办理：%1</source>
        <translation>Matters in the draft can no longer be handled: %1</translation>
    </message>
    <message>
        <location line="+38" />
        <source>草稿保存失败，请勿关闭程序，稍后自动重试</source>
        <translation>Could not save the draft; keep the program open, retrying shortly</translation>
    </message>
    <message>
        <location line="+22" />
        <source>已恢复上次未完成的受理内容</source>
        <translation>Restored the unfinished intake from last time</translation>
    </message>
</context>
<context>
    <name>KioskWindow</name>
    <message>
        <location filename="../../ui/kiosk/window.py" line="+175" />
        <source>自助取号</source>
        <extracomment>a ticket was issued (IssuedTicket) printing finished: (IssuedTicket, ok, message) the page changed (index) the kiosk may be closed now (manager authenticated)</extracomment>
        <translation>Take a ticket</translation>
    </message>
    <message>
        <location line="+21" />
        <source>请点击您要办理的业务</source>
        <translation>Tap the service you need</translation>
    </message>
    <message>
        <location line="+8" />
        <source>上一页</source>
        <translation>Previous page</translation>
    </message>
    <message>
        <location line="+5" />
        <source>下一页</source>
        <translation>Next page</translation>
    </message>
    <message>
        <location line="+17" />
        <source>预约签到</source>
        <translation>Appointment check-in</translation>
    </message>
    <message>
        <location line="+2" />
        <location line="+273" />
        <source>长者模式</source>
        <translation>Senior mode</translation>
    </message>
    <message>
        <location line="-270" />
        <source>服务评价</source>
        <translation>Service rating</translation>
    </message>
    <message>
        <location line="+2" />
        <source>多事项取号</source>
        <translation>Several matters</translation>
    </message>
    <message>
        <location line="+3" />
        <source>政策查询</source>
        <translation>Policy search</translation>
    </message>
    <message>
        <location line="+2" />
        <source>我要反映</source>
        <translation>Report a problem</translation>
    </message>
    <message>
        <location line="+33" />
        <source>没有身份证，直接取号</source>
        <translation>No ID card? Take a ticket</translation>
    </message>
    <message>
        <location line="+4" />
        <location line="+5" />
        <source>残疾人或需要帮办</source>
        <translation>Disabled, or need assistance</translation>
    </message>
    <message>
        <location line="+0" />
        <source>已选：残疾人或需要帮办（再点取消）</source>
        <translation>Selected: disabled or need assistance (tap again to undo)</translation>
    </message>
    <message>
        <location line="+3" />
        <location line="+37" />
        <location line="+50" />
        <source>返回首页</source>
        <translation>Back to start</translation>
    </message>
    <message>
        <location line="-74" />
        <source>请输入预约码，或直接刷身份证签到</source>
        <translation>Enter your appointment code, or check in with your ID card</translation>
    </message>
    <message>
        <location line="+3" />
        <source>预约码如 XB-20261207-01；也可以把预约单上的二维码对准扫码口</source>
        <translation>Booking codes look like XB-20261207-01; you can also hold the booking's QR code to the scanner</translation>
    </message>
    <message>
        <location line="+14" />
        <source>清空</source>
        <translation>Clear</translation>
    </message>
    <message>
        <location line="+5" />
        <source>签到取号</source>
        <translation>Check in</translation>
    </message>
    <message>
        <location line="+28" />
        <source>重新打印</source>
        <translation>Print again</translation>
    </message>
    <message>
        <location line="+2" />
        <source>完成，返回首页</source>
        <translation>Done, back to start</translation>
    </message>
    <message>
        <location line="+7" />
        <source>留家人手机，快到号时短信提醒</source>
        <translation>Leave a relative's mobile for an SMS before your turn</translation>
    </message>
    <message>
        <location line="+146" />
        <source>标准模式</source>
        <translation>Standard mode</translation>
    </message>
    <message>
        <location line="+20" />
        <source>系统繁忙，请稍候再试或联系工作人员</source>
        <translation>The system is busy. Please try again shortly or ask staff</translation>
    </message>
    <message>
        <location line="+22" />
        <source>无需等候</source>
        <translation>No wait</translation>
    </message>
    <message>
        <location line="+2" />
        <source>等候 {0} 人，窗口暂未开放</source>
        <translation>{0} waiting, no window open yet</translation>
    </message>
    <message>
        <location line="+1" />
        <source>等候 {0} 人，约 {1} 分钟</source>
        <translation>{0} waiting, about {1} min</translation>
    </message>
    <message>
        <location line="+40" />
        <source>第 {0}/{1} 页</source>
        <translation>Page {0} of {1}</translation>
    </message>
    <message>
        <location line="+24" />
        <source>{0}
请把身份证放在读卡区</source>
        <translation>{0}
Place your ID card on the reader</translation>
    </message>
    <message>
        <location line="+18" />
        <source>读取事项失败，请稍候再试</source>
        <translation>Could not load the matters, please try again</translation>
    </message>
    <message>
        <location line="+18" />
        <source>已选 {0} 个事项</source>
        <translation>{0} matters chosen</translation>
    </message>
    <message>
        <location line="+8" />
        <source>已选 {0} 个事项
请把身份证放在读卡区</source>
        <translation>{0} matters chosen
Place your ID card on the reader</translation>
    </message>
    <message>
        <location line="+188" />
        <source>请先在测温区测量体温</source>
        <translation>Please take your temperature at the scanner first</translation>
    </message>
    <message>
        <location line="+29" />
        <source>请输入预约码</source>
        <translation>Please enter your appointment code</translation>
    </message>
    <message>
        <location line="+9" />
        <source>正在取号，请稍候…</source>
        <translation>Getting your ticket, please wait…</translation>
    </message>
    <message>
        <location line="-139" />
        <location line="+147" />
        <source>取号失败，请稍候再试或联系工作人员</source>
        <translation>Could not issue a ticket. Please try again shortly or ask staff</translation>
    </message>
    <message>
        <location line="-173" />
        <source>请先在测温区测量体温，再刷身份证</source>
        <translation>Please measure your temperature first, then swipe your ID card</translation>
    </message>
    <message>
        <location line="+8" />
        <source>正在查询预约，请稍候…</source>
        <translation>Looking up your appointment, please wait…</translation>
    </message>
    <message>
        <location line="+10" />
        <source>已读取身份证，没有今天的预约。请点击您要办理的业务</source>
        <translation>ID card read; no appointment today. Please tap the service you need</translation>
    </message>
    <message>
        <location line="+48" />
        <source>请先在测温区测量体温，再签到</source>
        <translation>Please measure your temperature first, then check in</translation>
    </message>
    <message>
        <location line="+121" />
        <source>您前面还有 {0} 人等候</source>
        <translation>{0} people ahead of you</translation>
    </message>
    <message>
        <location line="+2" />
        <source>，预计约 {0} 分钟</source>
        <translation>, about {0} min</translation>
    </message>
    <message>
        <location line="+2" />
        <source>，窗口开放后依次叫号</source>
        <translation>; called in turn once a window opens</translation>
    </message>
    <message>
        <location line="+2" />
        <source>依次到：{0}</source>
        <translation>In turn: {0}</translation>
    </message>
    <message>
        <location line="+4" />
        <source>已为您安排到帮办代办窗口，工作人员将协助您办理</source>
        <translation>You have been sent to the assisted-service window; staff will help you</translation>
    </message>
    <message>
        <location line="+25" />
        <source>已登记家人手机 {0}，快到号时短信提醒</source>
        <translation>Relative's mobile {0} recorded: an SMS comes before your turn</translation>
    </message>
    <message>
        <location line="+12" />
        <source>正在打印号票…</source>
        <translation>Printing your ticket…</translation>
    </message>
    <message>
        <location line="+17" />
        <source>请取走号票，留意叫号</source>
        <translation>Please take your ticket and wait for your number</translation>
    </message>
    <message>
        <location line="+6" />
        <source>{0}
您的号码 {1} 已经有效，请点“重新打印”，或记住号码后直接等候叫号</source>
        <translation>{0}
Your number {1} is valid. Tap "Print again", or note the number and wait to be called</translation>
    </message>
    <message>
        <location line="+41" />
        <source>退出自助取号</source>
        <translation>Exit the ticket kiosk</translation>
    </message>
    <message>
        <location line="+24" />
        <source>无法连接大厅数据库，请稍后再试</source>
        <translation>Cannot reach the hall database, please try again later</translation>
    </message>
    <message>
        <location line="+2" />
        <source>需要大厅管理员或系统管理员账号</source>
        <translation>A hall manager or system administrator account is required</translation>
    </message>
</context>
<context>
    <name>LockDialog</name>
    <message>
        <location filename="../../ui/counter/lock.py" line="+38" />
        <source>已锁定</source>
        <translation>Locked</translation>
    </message>
    <message>
        <location line="+5" />
        <source>%1 已锁定 · %2</source>
        <translation>%1 locked · %2</translation>
    </message>
    <message>
        <location line="+5" />
        <source>请输入本人密码解锁：</source>
        <translation>Enter your password to unlock:</translation>
    </message>
    <message>
        <location line="+13" />
        <source>解锁 (Enter)</source>
        <translation>Unlock (Enter)</translation>
    </message>
    <message>
        <location line="+3" />
        <source>注销</source>
        <translation>Log out</translation>
    </message>
    <message>
        <location line="+11" />
        <source>请输入密码解锁，或选择注销</source>
        <translation>Enter the password to unlock, or log out</translation>
    </message>
    <message>
        <location line="+9" />
        <source>请输入密码</source>
        <translation>Enter the password</translation>
    </message>
</context>
<context>
    <name>Lockdown</name>
    <message>
        <location filename="../../ui/lockdown.py" line="+156" />
        <source>无法连接大厅数据库，请稍后再试</source>
        <extracomment>a manager unlocked the window (their user name); it closes next the screen is kept awake now (the method: "x11", "dbus", "windows")</extracomment>
        <translation>Cannot reach the hall database, please try again later</translation>
    </message>
    <message>
        <location line="+2" />
        <source>需要大厅管理员或系统管理员账号</source>
        <translation>A hall manager or system administrator account is required</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <location filename="../../ui/counter/login.py" line="+46" />
        <source>综合一窗 · 登录</source>
        <translation>OneWindow · Sign in</translation>
    </message>
    <message>
        <location line="+18" />
        <source>用户名或工号；也可刷本人身份证</source>
        <translation>User name or staff number; or swipe your own ID card</translation>
    </message>
    <message>
        <location line="+1" />
        <source>用户名/工号</source>
        <translation>User name / staff no.</translation>
    </message>
    <message>
        <location line="+1" />
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <location line="+1" />
        <source>窗口</source>
        <translation>Counter</translation>
    </message>
    <message>
        <location line="+23" />
        <source>该身份证未绑定本中心的工作人员账号，请输入用户名或工号</source>
        <translation>This ID card is not bound to a staff account of this centre; enter a user name or staff number</translation>
    </message>
    <message>
        <location line="+8" />
        <source>综合一窗 · 登录（%1，请输入密码）</source>
        <translation>Service window · log-in (%1, enter the password)</translation>
    </message>
    <message>
        <location line="+23" />
        <source>您没有分配窗口，请联系管理员</source>
        <translation>No window is assigned to you; please ask an administrator</translation>
    </message>
    <message>
        <location line="+3" />
        <source>您只能登录分配给您的窗口</source>
        <translation>You can log in only at the window assigned to you</translation>
    </message>
    <message>
        <location line="+1" />
        <source>您只能登录分配给您的窗口（%1），请在“窗口”中选择它</source>
        <translation>You may only log in at your assigned window (%1); choose it under "Window"</translation>
    </message>
    <message>
        <location line="+33" />
        <source>请先修改管理员发放的初始密码，再开始工作</source>
        <translation>Change the password the administrator issued before you start work</translation>
    </message>
</context>
<context>
    <name>ManagerDashboard</name>
    <message>
        <location filename="../../ui/manager/window.py" line="+196" />
        <source>帮办代办台账</source>
        <extracomment>a snapshot was applied (Dashboard) an export finished: (list of paths as str, error message or "") a manager action finished: its name (ack, follow_up, pause, reopen, move) or "" if refused</extracomment>
        <translation>Assisted-service ledger</translation>
    </message>
    <message>
        <location line="+15" />
        <source>大厅管理</source>
        <translation>Hall management</translation>
    </message>
    <message>
        <location line="+4" />
        <source>{0} · 大厅运行监控</source>
        <translation>{0} · Hall monitor</translation>
    </message>
    <message>
        <location line="+5" />
        <source>退出管理员</source>
        <translation>Sign out</translation>
    </message>
    <message>
        <location line="+26" />
        <source>今日数据</source>
        <translation>Today</translation>
    </message>
    <message>
        <location line="+8" />
        <source>取号</source>
        <translation>Tickets issued</translation>
    </message>
    <message>
        <location line="+1" />
        <source>已办理</source>
        <translation>Served</translation>
    </message>
    <message>
        <location line="+1" />
        <source>办理件次</source>
        <translation>Services</translation>
    </message>
    <message>
        <location line="+1" />
        <source>过号</source>
        <translation>No-show</translation>
    </message>
    <message>
        <location line="+1" />
        <source>平均等候</source>
        <translation>Average wait</translation>
    </message>
    <message>
        <location line="+1" />
        <source>平均办理</source>
        <translation>Average service</translation>
    </message>
    <message>
        <location line="+1" />
        <source>满意率</source>
        <translation>Satisfaction</translation>
    </message>
    <message>
        <location line="+18" />
        <source>报表导出</source>
        <translation>Reports</translation>
    </message>
    <message>
        <location line="+3" />
        <source>今日日报</source>
        <translation>Today's report</translation>
    </message>
    <message>
        <location line="+1" />
        <source>本月月报</source>
        <translation>This month's report</translation>
    </message>
    <message>
        <location line="+1" />
        <source>导出 PDF 和 CSV…</source>
        <translation>Export PDF and CSV…</translation>
    </message>
    <message>
        <location line="+8" />
        <source>暂停窗口…</source>
        <translation>Pause window…</translation>
    </message>
    <message>
        <location line="+3" />
        <source>恢复服务</source>
        <translation>Reopen</translation>
    </message>
    <message>
        <location line="+3" />
        <source>转移排队号…</source>
        <translation>Move ticket…</translation>
    </message>
    <message>
        <location line="+3" />
        <source>确认预警</source>
        <translation>Acknowledge</translation>
    </message>
    <message>
        <location line="+3" />
        <source>记录回访…</source>
        <translation>Record call-back…</translation>
    </message>
    <message>
        <location line="+16" />
        <source>窗口状态</source>
        <translation>Counter status</translation>
    </message>
    <message>
        <location line="+3" />
        <source>各业务等候</source>
        <translation>Waiting by service</translation>
    </message>
    <message>
        <location line="+3" />
        <source>预警</source>
        <translation>Alerts</translation>
    </message>
    <message>
        <location line="+7" />
        <source>数据同步</source>
        <translation>Data sync</translation>
    </message>
    <message>
        <location line="+4" />
        <source>未配置与区中心同步（数据仅保存在本厅）</source>
        <translation>Not set up to sync with the district centre (data stays in this hall)</translation>
    </message>
    <message>
        <location line="+13" />
        <source>实时监控</source>
        <translation>Live</translation>
    </message>
    <message>
        <location line="+1" />
        <source>图表与预测</source>
        <translation>Charts and forecast</translation>
    </message>
    <message>
        <location line="+5" />
        <source>12345 诉求</source>
        <translation>12345 requests</translation>
    </message>
    <message>
        <location line="+6" />
        <location line="+66" />
        <source>差评整改</source>
        <translation>Rectification</translation>
    </message>
    <message>
        <location line="-13" />
        <source>受理评价 %1 人次 / 办结评价 %2 人次</source>
        <translation>Rated at intake: %1 visits / at completion: %2 visits</translation>
    </message>
    <message>
        <location line="+5" />
        <source>更新于 {0}</source>
        <translation>Updated {0}</translation>
    </message>
    <message>
        <location line="+8" />
        <source>差评整改（逾期 %1）</source>
        <translation>Rectification (%1 overdue)</translation>
    </message>
    <message>
        <location line="+5" />
        <source>数据暂时无法读取，稍后自动重试</source>
        <translation>Data is temporarily unavailable, retrying shortly</translation>
    </message>
    <message>
        <location line="+7" />
        <source>【等候超时】</source>
        <translation>[Long wait]</translation>
    </message>
    <message>
        <location line="+1" />
        <source>【窗口空闲】</source>
        <translation>[Counter idle]</translation>
    </message>
    <message>
        <location line="+1" />
        <source>【差评】</source>
        <translation>[Poor rating]</translation>
    </message>
    <message>
        <location line="+1" />
        <source>【整改逾期】</source>
        <translation>[Rectification overdue] </translation>
    </message>
    <message>
        <location line="+1" />
        <source>【12345逾期】</source>
        <translation>[12345 overdue] </translation>
    </message>
    <message>
        <location line="+1" />
        <source>【登录异常】</source>
        <translation>[Log-in alert]</translation>
    </message>
    <message>
        <location line="+6" />
        <source>（%1 已确认 %2）</source>
        <translation> (acknowledged by %1 at %2)</translation>
    </message>
    <message>
        <location line="+9" />
        <source>暂无预警</source>
        <translation>No alerts</translation>
    </message>
    <message>
        <location line="+25" />
        <source>管理员：%1</source>
        <translation>Manager: %1</translation>
    </message>
    <message>
        <location line="+48" />
        <source>操作失败</source>
        <translation>Action failed</translation>
    </message>
    <message>
        <location line="+16" />
        <source>已确认预警</source>
        <translation>Alert acknowledged</translation>
    </message>
    <message>
        <location line="+19" />
        <source>回访记录已保存</source>
        <translation>Call-back recorded</translation>
    </message>
    <message>
        <location line="+23" />
        <source>%1 号窗口已暂停服务</source>
        <translation>Window %1 paused</translation>
    </message>
    <message>
        <location line="+17" />
        <source>%1 号窗口已恢复服务</source>
        <translation>Window %1 reopened</translation>
    </message>
    <message>
        <location line="+15" />
        <source>%1 号已转移</source>
        <translation>Ticket %1 moved</translation>
    </message>
    <message>
        <location line="+18" />
        <source>选择保存位置</source>
        <translation>Choose where to save</translation>
    </message>
    <message>
        <location line="+36" />
        <source>正在生成报表…</source>
        <translation>Generating reports…</translation>
    </message>
    <message>
        <location line="+5" />
        <source>已导出：{0}</source>
        <translation>Exported: {0}</translation>
    </message>
    <message>
        <location line="+6" />
        <source>导出失败：{0}</source>
        <translation>Export failed: {0}</translation>
    </message>
</context>
<context>
    <name>MoveTicketDialog</name>
    <message>
        <location filename="../../ui/manager/actions.py" line="+38" />
        <source>转移排队号</source>
        <translation>Move ticket</translation>
    </message>
    <message>
        <location line="+5" />
        <source>等候中的号</source>
        <translation>Waiting ticket</translation>
    </message>
    <message>
        <location line="+5" />
        <source>转到业务</source>
        <translation>Move to queue</translation>
    </message>
    <message>
        <location line="+2" />
        <source>当前没有等候中的号</source>
        <translation>No ticket is waiting</translation>
    </message>
    <message>
        <location line="+4" />
        <source>请选择要转移的号</source>
        <translation>Please choose the ticket to move</translation>
    </message>
    <message>
        <location line="+2" />
        <source>请选择要转到的业务</source>
        <translation>Please choose the queue to move it to</translation>
    </message>
</context>
<context>
    <name>PauseDialog</name>
    <message>
        <location line="-44" />
        <source>暂停 %1 号窗口</source>
        <translation>Pause window %1</translation>
    </message>
    <message>
        <location line="+5" />
        <source>人员调配</source>
        <translation>Staff redeployed</translation>
    </message>
    <message>
        <location line="+0" />
        <source>系统故障</source>
        <translation>System fault</translation>
    </message>
    <message>
        <location line="+0" />
        <source>午间休息</source>
        <translation>Lunch break</translation>
    </message>
    <message>
        <location line="+0" />
        <source>业务培训</source>
        <translation>Training</translation>
    </message>
    <message>
        <location line="+5" />
        <source>选择或填写暂停原因</source>
        <translation>Choose or type a reason</translation>
    </message>
    <message>
        <location line="+1" />
        <source>暂停原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <location line="+5" />
        <source>请填写暂停原因</source>
        <translation>Please give a reason for the pause</translation>
    </message>
</context>
<context>
    <name>PersonBox</name>
    <message>
        <location filename="../../ui/counter/agency.py" line="-213" />
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <location line="+1" />
        <source>证件号码</source>
        <translation>ID number</translation>
    </message>
    <message>
        <location line="+1" />
        <source>联系电话</source>
        <translation>Phone</translation>
    </message>
</context>
<context>
    <name>PolicyPage</name>
    <message>
        <location filename="../../ui/kiosk/policy_page.py" line="+95" />
        <source>政策查询</source>
        <extracomment>results shown (SearchResult) a document or question opened (DocumentInfo or QuestionInfo)</extracomment>
        <translation>Policy search</translation>
    </message>
    <message>
        <location line="+3" />
        <source>点一个主题；或用字母键输入拼音首字母（如 yjs 是“一件事”）、数字查文号</source>
        <translation>Touch a topic, or type pinyin initials with the letter keys (yjs is "一件事"), digits for a document number</translation>
    </message>
    <message>
        <location line="+16" />
        <source>查找</source>
        <translation>Search</translation>
    </message>
    <message>
        <location line="+10" />
        <source>清空</source>
        <translation>Clear</translation>
    </message>
    <message>
        <location line="+11" />
        <location line="+53" />
        <source>返回首页</source>
        <translation>Back to start</translation>
    </message>
    <message>
        <location line="-2" />
        <source>返回查询结果</source>
        <translation>Back to the results</translation>
    </message>
    <message>
        <location line="+55" />
        <source>正在查找…</source>
        <translation>Searching…</translation>
    </message>
    <message>
        <location line="+12" />
        <source>系统繁忙，请稍后再试或咨询工作人员</source>
        <translation>The system is busy. Try again later or ask the staff</translation>
    </message>
    <message>
        <location line="+11" />
        <source>问：%1</source>
        <translation>Q: %1</translation>
    </message>
    <message>
        <location line="+4" />
        <source>没有找到相关政策，请换一个词，或到综合窗口咨询</source>
        <translation>No policy found. Try another word, or ask at the general counter</translation>
    </message>
    <message>
        <location line="+3" />
        <source>找到政策文件 %1 份、常见问题 %2 个，点一条查看</source>
        <translation>%1 documents and %2 common questions found; touch one to read it</translation>
    </message>
    <message>
        <location line="+22" />
        <source>%1发布</source>
        <translation>issued %1</translation>
    </message>
    <message>
        <location line="+2" />
        <source>%1施行</source>
        <translation>in force from %1</translation>
    </message>
    <message>
        <location line="+9" />
        <source>常见问题</source>
        <translation>Common question</translation>
    </message>
    <message>
        <location line="+10" />
        <source>用手机扫码阅读原文
%1</source>
        <translation>Scan with your phone to read the original
%1</translation>
    </message>
    <message>
        <location line="+2" />
        <source>原文可到综合窗口请工作人员帮助查阅</source>
        <translation>Ask at the general counter to read the original</translation>
    </message>
</context>
<context>
    <name>PolicyPanel</name>
    <message>
        <location filename="../../ui/counter/policy_panel.py" line="+60" />
        <source>政策名称、关键词、文号或拼音首字母</source>
        <translation>Policy title, keyword, document number or pinyin initials</translation>
    </message>
    <message>
        <location line="+2" />
        <source>查找</source>
        <translation>Search</translation>
    </message>
    <message>
        <location line="+5" />
        <source>选好办理事项后，这里列出相关政策文件和常见问题</source>
        <translation>Once a matter is chosen, its policy documents and common questions are listed here</translation>
    </message>
    <message>
        <location line="+33" />
        <source>正在查找“%1”的相关政策…</source>
        <translation>Looking up the policies for "%1"…</translation>
    </message>
    <message>
        <location line="+3" />
        <source>“%1”的相关政策</source>
        <translation>Policies for "%1"</translation>
    </message>
    <message>
        <location line="+12" />
        <source>查找“%1”</source>
        <translation>Search "%1"</translation>
    </message>
    <message>
        <location line="+11" />
        <source>查找政策失败</source>
        <translation>Policy search failed</translation>
    </message>
    <message>
        <location line="+8" />
        <source>%1：没有找到。可换一个关键词、文号或拼音首字母再查</source>
        <translation>%1: nothing found. Try another word, a document number or pinyin initials</translation>
    </message>
    <message>
        <location line="+11" />
        <source>问：%1</source>
        <translation>Q: %1</translation>
    </message>
    <message>
        <location line="+6" />
        <source>%1：政策文件 %2 份，常见问题 %3 个</source>
        <translation>%1: %2 documents, %3 common questions</translation>
    </message>
    <message>
        <location line="+18" />
        <source>来源：12345 诉求 %1</source>
        <translation>Source: 12345 request %1</translation>
    </message>
    <message>
        <location line="+17" />
        <source>文号</source>
        <translation>Document number</translation>
    </message>
    <message>
        <location line="+1" />
        <source>发文机关</source>
        <translation>Issued by</translation>
    </message>
    <message>
        <location line="+1" />
        <source>发布日期</source>
        <translation>Issued</translation>
    </message>
    <message>
        <location line="+1" />
        <source>施行日期</source>
        <translation>In force from</translation>
    </message>
    <message>
        <location line="+1" />
        <source>适用对象</source>
        <translation>Applies to</translation>
    </message>
    <message>
        <location line="+1" />
        <source>原文</source>
        <translation>Original</translation>
    </message>
</context>
<context>
    <name>QueuePanel</name>
    <message>
        <location filename="../../ui/counter/queue_panel.py" line="+47" />
        <source>叫号</source>
        <translation>Call next</translation>
    </message>
    <message>
        <location line="+1" />
        <source>重呼</source>
        <translation>Recall</translation>
    </message>
    <message>
        <location line="+1" />
        <location line="+381" />
        <source>过号</source>
        <translation>No-show</translation>
    </message>
    <message>
        <location line="-380" />
        <source>开始办理</source>
        <translation>Start service</translation>
    </message>
    <message>
        <location line="+1" />
        <location line="+347" />
        <source>办结</source>
        <translation>Complete</translation>
    </message>
    <message>
        <location line="-346" />
        <location line="+267" />
        <source>转移</source>
        <translation>Transfer</translation>
    </message>
    <message>
        <location line="-266" />
        <source>挂起/恢复</source>
        <translation>Hold/Resume</translation>
    </message>
    <message>
        <location line="+1" />
        <source>暂停/恢复服务</source>
        <translation>Pause/Resume service</translation>
    </message>
    <message>
        <location line="+1" />
        <location line="+286" />
        <source>指定叫号</source>
        <translation>Call a number</translation>
    </message>
    <message>
        <location line="-285" />
        <location line="+288" />
        <source>过号重排</source>
        <translation>Requeue no-show</translation>
    </message>
    <message>
        <location line="-287" />
        <location line="+311" />
        <source>添加事项</source>
        <translation>Add a matter</translation>
    </message>
    <message>
        <location line="-254" />
        <location line="+116" />
        <source>当前无号</source>
        <translation>No current ticket</translation>
    </message>
    <message>
        <location line="-82" />
        <location line="+191" />
        <source>指定叫号需要大厅管理员权限</source>
        <translation>Calling a specific number needs hall manager rights</translation>
    </message>
    <message>
        <location line="-184" />
        <source>等候名单（按叫号顺序）</source>
        <translation>Waiting list (in calling order)</translation>
    </message>
    <message>
        <location line="+36" />
        <source>读取排队状态失败：%1</source>
        <translation>Could not read the queue: %1</translation>
    </message>
    <message>
        <location line="+45" />
        <source>绿色通道</source>
        <translation>Priority lane</translation>
    </message>
    <message>
        <location line="+2" />
        <source>预约</source>
        <translation>Appointment</translation>
    </message>
    <message>
        <location line="+11" />
        <source>下一站：%1（%2）</source>
        <translation>Next: %1 (%2)</translation>
    </message>
    <message>
        <location line="+15" />
        <source>本窗口可叫等候：%1 人</source>
        <translation>Waiting for this counter: %1</translation>
    </message>
    <message>
        <location line="+38" />
        <location line="+51" />
        <source>正在处理上一个操作，请稍候</source>
        <translation>The previous action is still running, please wait</translation>
    </message>
    <message>
        <location line="-41" />
        <source>当前没有可转移的号</source>
        <translation>No current ticket to transfer</translation>
    </message>
    <message>
        <location line="+4" />
        <source>没有可以转往的开放窗口或业务类别</source>
        <translation>No open window or category to transfer to</translation>
    </message>
    <message>
        <location line="+3" />
        <source>将 %1 转到：</source>
        <translation>Transfer %1 to:</translation>
    </message>
    <message>
        <location line="+34" />
        <source>当前没有号</source>
        <translation>No current ticket</translation>
    </message>
    <message>
        <location line="+15" />
        <source>为 %1 添加要办理的事项：</source>
        <translation>Add a matter for %1:</translation>
    </message>
    <message>
        <location line="+4" />
        <source>未添加事项</source>
        <translation>No matter added</translation>
    </message>
    <message>
        <location line="+0" />
        <source>本厅没有可添加的事项</source>
        <translation>This hall has no matter to add</translation>
    </message>
    <message>
        <location line="+6" />
        <source>%1 已添加：%2</source>
        <translation>%1: added %2</translation>
    </message>
    <message>
        <location line="+17" />
        <source>转下一窗口：%1</source>
        <translation>On to the next counter: %1</translation>
    </message>
    <message>
        <location line="+1" />
        <source>办结（结束本次来访）</source>
        <translation>Finish (the visit ends here)</translation>
    </message>
    <message>
        <location line="+3" />
        <source>%1 还有“%2”要到 %3 办理：</source>
        <translation>%1 still has “%2” to do at %3:</translation>
    </message>
    <message>
        <location line="+9" />
        <source>已取消办结</source>
        <translation>Finish cancelled</translation>
    </message>
    <message>
        <location line="+12" />
        <source>须重呼满 %1 次（已重呼 %2 次）才能过号，请先按 F2 重呼</source>
        <translation>A no-show needs %1 recalls (recalled %2); press F2 to recall first</translation>
    </message>
    <message>
        <location line="+7" />
        <source>确认 %1 过号？（已重呼 %2 次）过号后该号需重新排队才能办理。</source>
        <translation>Mark %1 as a no-show? (recalled %2 times) The ticket must queue again to be served.</translation>
    </message>
    <message>
        <location line="+3" />
        <source>确认过号 (Y)</source>
        <translation>Mark no-show (Y)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>已取消过号</source>
        <translation>No-show cancelled</translation>
    </message>
    <message>
        <location line="+8" />
        <source>当前没有等候的号</source>
        <translation>No one is waiting</translation>
    </message>
    <message>
        <location line="+9" />
        <source>重呼：%1</source>
        <translation>Recalled: %1</translation>
    </message>
    <message>
        <location line="+3" />
        <source>%1 已过号</source>
        <translation>%1 marked no-show</translation>
    </message>
    <message>
        <location line="+3" />
        <source>%1 开始办理</source>
        <translation>%1 now being served</translation>
    </message>
    <message>
        <location line="+3" />
        <source>%1 已办结</source>
        <translation>%1 completed</translation>
    </message>
    <message>
        <location line="-116" />
        <source>要呼叫的号码（如 A012）：</source>
        <translation>Number to call (e.g. A012):</translation>
    </message>
    <message>
        <location line="+3" />
        <source>迟到申请人的号码：</source>
        <translation>Late applicant's number:</translation>
    </message>
    <message>
        <location line="+136" />
        <source>%1 已重新排队</source>
        <translation>%1 requeued</translation>
    </message>
    <message>
        <location line="-14" />
        <source>%1 已转移</source>
        <translation>%1 transferred</translation>
    </message>
    <message>
        <location line="+3" />
        <source>%1 已挂起，按 F7 恢复</source>
        <translation>%1 on hold, press F7 to resume</translation>
    </message>
    <message>
        <location line="-142" />
        <source>恢复挂起的号</source>
        <translation>Resume a held ticket</translation>
    </message>
    <message>
        <location line="+0" />
        <source>号码：</source>
        <translation>Number:</translation>
    </message>
    <message>
        <location line="+136" />
        <source>%1 请到 %2 等候</source>
        <translation>%1: please wait at %2</translation>
    </message>
    <message>
        <location line="+9" />
        <source>%1 已恢复办理</source>
        <translation>%1 resumed</translation>
    </message>
    <message>
        <location line="+3" />
        <source>已恢复服务</source>
        <translation>Service resumed</translation>
    </message>
    <message>
        <location line="-143" />
        <source>暂停服务</source>
        <translation>Pause service</translation>
    </message>
    <message>
        <location line="+0" />
        <source>暂停原因（如：临时离岗、系统故障）：</source>
        <translation>Reason for pausing (e.g. brief absence, system fault):</translation>
    </message>
    <message>
        <location line="+2" />
        <source>暂停服务须填写原因</source>
        <translation>Please give a reason for pausing</translation>
    </message>
    <message>
        <location line="+144" />
        <source>已暂停服务：%1</source>
        <translation>Service paused: %1</translation>
    </message>
</context>
<context>
    <name>RateDialog</name>
    <message>
        <location filename="../../ui/manager/hotline.py" line="-303" />
        <source>回访 %1</source>
        <translation>Call-back %1</translation>
    </message>
    <message>
        <location line="+3" />
        <source>（请选择）</source>
        <translation>(choose)</translation>
    </message>
    <message>
        <location line="+3" />
        <source>群众对答复的评价</source>
        <translation>The citizen's verdict on the reply</translation>
    </message>
    <message>
        <location line="+5" />
        <source>请选择满意、基本满意或不满意</source>
        <translation>Choose satisfied, basically satisfied or dissatisfied</translation>
    </message>
</context>
<context>
    <name>RatePage</name>
    <message>
        <location filename="../../ui/kiosk/rate_page.py" line="+103" />
        <source>服务评价</source>
        <extracomment>a rating was stored (RatedByCode: stage and whether it was a 差评 — the grade stays here) a code was looked up (RatingVisit) a look-up or a rating was refused or failed (the Chinese message shown)</extracomment>
        <translation>Service rating</translation>
    </message>
    <message>
        <location line="+9" />
        <source>请输入号票或受理回执上的评价码（8位）
或把评价二维码对准扫码口</source>
        <translation>Enter the rating code (8 characters) on your ticket or acceptance receipt
or hold the rating QR code to the scanner</translation>
    </message>
    <message>
        <location line="+16" />
        <source>清空</source>
        <translation>Clear</translation>
    </message>
    <message>
        <location line="+2" />
        <source>查询评价码</source>
        <translation>Look up the code</translation>
    </message>
    <message>
        <location line="+19" />
        <source>评价受理服务</source>
        <translation>Rate the acceptance</translation>
    </message>
    <message>
        <location line="+1" />
        <source>评价办结服务</source>
        <translation>Rate the completion</translation>
    </message>
    <message>
        <location line="+9" />
        <source>请选择您的评价</source>
        <translation>Please choose your rating</translation>
    </message>
    <message>
        <location line="+14" />
        <source>很抱歉给您带来不便。请选择不满意的原因（必选）：</source>
        <translation>We are sorry for the inconvenience. Please choose what you were unhappy with (required):</translation>
    </message>
    <message>
        <location line="+13" />
        <source>提交评价</source>
        <translation>Submit rating</translation>
    </message>
    <message>
        <location line="+2" />
        <source>换一个评价码</source>
        <translation>Another code</translation>
    </message>
    <message>
        <location line="+20" />
        <source>评价其他环节或其他评价码</source>
        <translation>Rate another stage or another code</translation>
    </message>
    <message>
        <location line="+9" />
        <source>返回首页</source>
        <translation>Back to start</translation>
    </message>
    <message>
        <location line="+104" />
        <source>正在查询，请稍候…</source>
        <translation>Looking up, please wait…</translation>
    </message>
    <message>
        <location line="+23" />
        <source>现在可以评价：{0}</source>
        <translation>Can be rated now: {0}</translation>
    </message>
    <message>
        <location line="+7" />
        <source>有两个环节可以评价，请先选择要评价的环节</source>
        <translation>Two stages can be rated: please choose one first</translation>
    </message>
    <message>
        <location line="+10" />
        <source>受理服务</source>
        <translation>acceptance service</translation>
    </message>
    <message>
        <location line="+0" />
        <source>办结服务</source>
        <translation>completion service</translation>
    </message>
    <message>
        <location line="+3" />
        <source>评价码 {0}</source>
        <translation>Rating code {0}</translation>
    </message>
    <message>
        <location line="+2" />
        <source>，号码 {0}</source>
        <translation>, ticket {0}</translation>
    </message>
    <message>
        <location line="+2" />
        <source>，{0}年{1}月{2}日</source>
        <translation>, {0}-{1}-{2}</translation>
    </message>
    <message>
        <location line="+8" />
        <source>（本次未受理办件，可评价现场服务）</source>
        <translation>(no case was accepted on this visit: you can rate the service on site)</translation>
    </message>
    <message>
        <location line="+48" />
        <source>请先选择要评价的环节</source>
        <translation>Please choose the stage to rate first</translation>
    </message>
    <message>
        <location line="+3" />
        <source>请先选择评价等级</source>
        <translation>Please choose a rating first</translation>
    </message>
    <message>
        <location line="+3" />
        <source>请选择不满意的原因</source>
        <translation>Please choose what you were unhappy with</translation>
    </message>
    <message>
        <location line="+3" />
        <source>正在提交，请稍候…</source>
        <translation>Submitting, please wait…</translation>
    </message>
    <message>
        <location line="+15" />
        <source>感谢您对“{0}”环节的评价！</source>
        <translation>Thank you for rating the “{0}” stage!</translation>
    </message>
    <message>
        <location line="+2" />
        <source>我们会认真核实整改，大厅工作人员将与您联系回访</source>
        <translation>We will look into it and put it right; the hall staff will contact you</translation>
    </message>
    <message>
        <location line="+14" />
        <source>评价暂时无法提交，请稍后再试或联系工作人员</source>
        <translation>The rating cannot be submitted right now; please try again later or ask the staff</translation>
    </message>
</context>
<context>
    <name>RectificationPanel</name>
    <message>
        <location filename="../../ui/manager/rectification.py" line="+128" />
        <source>数据暂时无法读取，稍后自动重试</source>
        <extracomment>a board was shown (RectificationBoard) a step finished: its name (assign, callback, rectify, appeal, review, close) or "" if refused</extracomment>
        <translation>Data is temporarily unavailable, retrying shortly</translation>
    </message>
    <message>
        <location line="+10" />
        <source>本月好差评（按人次，已撤销的评价不计）</source>
        <translation>Ratings this month (by visits, voided ratings left out)</translation>
    </message>
    <message>
        <location line="+4" />
        <source>评价人次（不含已撤销）</source>
        <translation>Rated visits (voided left out)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>满意率（基本满意及以上）</source>
        <translation>Satisfaction (fairly satisfied or better)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>差评人次</source>
        <translation>Bad ratings (visits)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>受理评价人次</source>
        <translation>Rated at acceptance (visits)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>办结评价人次</source>
        <translation>Rated at completion (visits)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>按期整改</source>
        <translation>Rectified on time</translation>
    </message>
    <message>
        <location line="+1" />
        <source>整改逾期</source>
        <translation>Rectification overdue</translation>
    </message>
    <message>
        <location line="+1" />
        <source>申诉（维持／撤销／待复核）</source>
        <translation>Appeals (upheld / voided / pending)</translation>
    </message>
    <message>
        <location line="+32" />
        <source>指派…</source>
        <translation>Assign…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>记录回访…</source>
        <translation>Record call-back…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>记录整改…</source>
        <translation>Record rectification…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>窗口申诉…</source>
        <translation>Appeal…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>复核申诉…</source>
        <translation>Review appeal…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>办结…</source>
        <translation>Close…</translation>
    </message>
    <message>
        <location line="+14" />
        <source>未办结的差评整改单</source>
        <translation>Open rectification items</translation>
    </message>
    <message>
        <location line="+26" />
        <source>%1（其中未整改 %2）</source>
        <translation>%1 (%2 not rectified)</translation>
    </message>
    <message>
        <location line="+9" />
        <source>有 %1 条差评整改已超过期限未整改，请督办：</source>
        <translation>%1 rectification item(s) past their deadline without rectification, please follow up: </translation>
    </message>
    <message>
        <location line="+2" />
        <source>%1（期限 %2）</source>
        <translation>%1 (due %2)</translation>
    </message>
    <message>
        <location line="+42" />
        <source>操作失败</source>
        <translation>Action failed</translation>
    </message>
    <message>
        <location line="+24" />
        <source>已指派整改</source>
        <translation>Rectification assigned</translation>
    </message>
    <message>
        <location line="+15" />
        <source>回访记录已保存</source>
        <translation>Call-back recorded</translation>
    </message>
    <message>
        <location line="+13" />
        <source>整改情况已保存</source>
        <translation>Rectification saved</translation>
    </message>
    <message>
        <location line="+3" />
        <source>记录整改</source>
        <translation>Record the rectification</translation>
    </message>
    <message>
        <location line="+0" />
        <source>整改情况</source>
        <translation>Rectification done</translation>
    </message>
    <message>
        <location line="+14" />
        <source>申诉已提交，待复核</source>
        <translation>Appeal filed, waiting for review</translation>
    </message>
    <message>
        <location line="+9" />
        <source>评价已撤销，不再计入满意率</source>
        <translation>Rating voided: it no longer counts in the satisfaction rate</translation>
    </message>
    <message>
        <location line="+0" />
        <source>已维持评价</source>
        <translation>The rating stands</translation>
    </message>
    <message>
        <location line="+13" />
        <source>整改单已办结</source>
        <translation>Rectification item closed</translation>
    </message>
    <message>
        <location line="+4" />
        <source>办结整改单</source>
        <translation>Close the rectification item</translation>
    </message>
    <message>
        <location line="+0" />
        <source>办结说明</source>
        <translation>Closing note</translation>
    </message>
</context>
<context>
    <name>ReplyDialog</name>
    <message>
        <location filename="../../ui/manager/hotline.py" line="-40" />
        <source>答复 %1</source>
        <translation>Reply to %1</translation>
    </message>
    <message>
        <location line="+4" />
        <source>诉求内容</source>
        <translation>Request</translation>
    </message>
    <message>
        <location line="+8" />
        <source>（请选择）</source>
        <translation>(choose)</translation>
    </message>
    <message>
        <location line="+5" />
        <source>答复内容</source>
        <translation>Reply</translation>
    </message>
    <message>
        <location line="+1" />
        <source>承办单位</source>
        <translation>Handled by</translation>
    </message>
    <message>
        <location line="+1" />
        <source>办理结果</source>
        <translation>Result</translation>
    </message>
    <message>
        <location line="+4" />
        <source>请填写答复内容</source>
        <translation>Enter the reply</translation>
    </message>
</context>
<context>
    <name>ReportPage</name>
    <message>
        <location filename="../../ui/kiosk/report_page.py" line="+146" />
        <source>我要反映</source>
        <extracomment>an item was recorded (ItemInfo)</extracomment>
        <translation>Report a problem</translation>
    </message>
    <message>
        <location line="+1" />
        <source>您想反映哪一类事情？在大厅没有办成的事，请点“办不成事”</source>
        <translation>What would you like to report? If something could not be done at the hall, touch "Could not get it done"</translation>
    </message>
    <message>
        <location line="+11" />
        <source>返回首页</source>
        <translation>Back to start</translation>
    </message>
    <message>
        <location line="+8" />
        <source>请点选您遇到的情况（可以多选）</source>
        <translation>Touch what happened (more than one is fine)</translation>
    </message>
    <message>
        <location line="+3" />
        <source>补充说明（选填，可用键盘输入）</source>
        <translation>More details (optional, type with a keyboard)</translation>
    </message>
    <message>
        <location line="+8" />
        <source>下一步</source>
        <translation>Next</translation>
    </message>
    <message>
        <location line="+4" />
        <location line="+32" />
        <source>上一步</source>
        <translation>Back</translation>
    </message>
    <message>
        <location line="-26" />
        <source>需要工作人员回复您吗？</source>
        <translation>Would you like a reply?</translation>
    </message>
    <message>
        <location line="+1" />
        <source>留下手机号码并勾选同意，我们会电话回复；不留也可以直接提交</source>
        <translation>Leave a mobile number and tick the consent and we will call you back; or just submit</translation>
    </message>
    <message>
        <location line="+11" />
        <source>清空</source>
        <translation>Clear</translation>
    </message>
    <message>
        <location line="+4" />
        <source>我同意工作人员用这个号码联系我</source>
        <translation>I agree to be contacted on this number</translation>
    </message>
    <message>
        <location line="+6" />
        <source>提交</source>
        <translation>Submit</translation>
    </message>
    <message>
        <location line="+19" />
        <source>已收到您的反映</source>
        <translation>We have received your report</translation>
    </message>
    <message>
        <location line="+7" />
        <source>完成，返回首页</source>
        <translation>Done, back to start</translation>
    </message>
    <message>
        <location line="+73" />
        <source>请至少点选一项情况，或写几句说明</source>
        <translation>Touch at least one item, or write a few words</translation>
    </message>
    <message>
        <location line="+19" />
        <source>留电话需要勾选“同意联系”；不同意请点“清空”后提交</source>
        <translation>To leave a number, tick the consent; otherwise touch "Clear" and submit</translation>
    </message>
    <message>
        <location line="+17" />
        <source>系统繁忙，没有提交成功，请稍后再试或到综合窗口反映</source>
        <translation>The system is busy and nothing was submitted. Try again later or report it at the general counter</translation>
    </message>
    <message>
        <location line="+6" />
        <source>编号 %1</source>
        <translation>Number %1</translation>
    </message>
    <message>
        <location line="+3" />
        <source>我们会在 %1 前办理并电话回复您</source>
        <translation>We will handle it by %1 and call you back</translation>
    </message>
    <message>
        <location line="+2" />
        <source>我们会在 %1 前办理；您可凭编号到综合窗口查询结果</source>
        <translation>We will handle it by %1; ask at the general counter with this number for the result</translation>
    </message>
</context>
<context>
    <name>ReviewDialog</name>
    <message>
        <location filename="../../ui/manager/rectification.py" line="-314" />
        <source>复核申诉</source>
        <translation>Review the appeal</translation>
    </message>
    <message>
        <location line="+3" />
        <source>申诉理由</source>
        <translation>Grounds of the appeal</translation>
    </message>
    <message>
        <location line="+4" />
        <source>维持评价</source>
        <translation>Uphold the rating</translation>
    </message>
    <message>
        <location line="+0" />
        <source>撤销评价</source>
        <translation>Void the rating</translation>
    </message>
    <message>
        <location line="+8" />
        <source>复核结论</source>
        <translation>Review decision</translation>
    </message>
    <message>
        <location line="+4" />
        <source>复核理由</source>
        <translation>Reason for the review</translation>
    </message>
    <message>
        <location line="+5" />
        <source>请选择复核结论</source>
        <translation>Please choose the review decision</translation>
    </message>
    <message>
        <location line="+3" />
        <source>请填写复核理由</source>
        <translation>Please give the reason for the review</translation>
    </message>
</context>
<context>
    <name>RolePage</name>
    <message>
        <location filename="../../ui/wizard/wizard.py" line="-96" />
        <source>这台电脑做什么用</source>
        <translation>What this PC is for</translation>
    </message>
    <message>
        <location line="+0" />
        <source>请选择这台电脑在大厅里的用途。</source>
        <translation>Choose what this PC does in the hall.</translation>
    </message>
</context>
<context>
    <name>ScreensPage</name>
    <message>
        <location line="+399" />
        <source>屏幕</source>
        <translation>Screens</translation>
    </message>
    <message>
        <location line="+1" />
        <source>点“显示屏幕编号”，每块屏上会出现一个大数字；再为每个窗口选屏幕。</source>
        <translation>Press "Show screen numbers": each screen shows a big number; then choose a screen for each window.</translation>
    </message>
    <message>
        <location line="+2" />
        <source>显示屏幕编号</source>
        <translation>Show screen numbers</translation>
    </message>
    <message>
        <location line="+13" />
        <source>取号机和叫号屏全屏显示</source>
        <translation>Kiosk and display in full screen</translation>
    </message>
    <message>
        <location line="+15" />
        <source>第 {0} 块屏</source>
        <translation>Screen {0}</translation>
    </message>
    <message>
        <location line="+6" />
        <source>这台电脑接了 {0} 块屏。</source>
        <translation>This PC has {0} screens.</translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <location line="+177" />
        <source>综合一窗 设置向导</source>
        <translation>OneWindow set-up wizard</translation>
    </message>
</context>
<context>
    <name>SignInDialog</name>
    <message>
        <location filename="../../ui/manager/actions.py" line="-92" />
        <source>大厅管理员确认</source>
        <translation>Hall manager sign-in</translation>
    </message>
    <message>
        <location line="+6" />
        <source>工号</source>
        <translation>Staff ID</translation>
    </message>
    <message>
        <location line="+1" />
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <location line="+4" />
        <source>请输入工号和密码</source>
        <translation>Please enter your staff ID and password</translation>
    </message>
</context>
<context>
    <name>StaffPage</name>
    <message>
        <location filename="../../ui/wizard/wizard.py" line="-145" />
        <source>窗口和管理员</source>
        <translation>Windows and administrator</translation>
    </message>
    <message>
        <location line="+1" />
        <source>窗口和人员可以从区中心的基础数据获取，也可以在这里新建；第一个管理员的密码在这里设置。</source>
        <translation>Windows and staff come from the centre's reference data or are created here; the first administrator's password is set here.</translation>
    </message>
    <message>
        <location line="+5" />
        <source>从区中心获取基础数据</source>
        <translation>Get reference data from the centre</translation>
    </message>
    <message>
        <location line="+7" />
        <source>窗口号</source>
        <translation>Window no.</translation>
    </message>
    <message>
        <location line="+0" />
        <source>窗口名称</source>
        <translation>Window name</translation>
    </message>
    <message>
        <location line="+12" />
        <source>管理员用户名</source>
        <translation>Administrator's user name</translation>
    </message>
    <message>
        <location line="+1" />
        <source>管理员姓名</source>
        <translation>Administrator's name</translation>
    </message>
    <message>
        <location line="+1" />
        <source>密码（至少8位）</source>
        <translation>Password (at least 8 characters)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>再输一次密码</source>
        <translation>Password again</translation>
    </message>
    <message>
        <location line="+10" />
        <location line="+1" />
        <source>还没有</source>
        <translation>none yet</translation>
    </message>
    <message>
        <location line="+1" />
        <source>未收到</source>
        <translation>not received</translation>
    </message>
    <message>
        <location line="+2" />
        <source>已有窗口：{0}
已有管理员：{1}
区中心基础数据：{2}</source>
        <translation>Windows: {0}
Administrators: {1}
Centre reference data: {2}</translation>
    </message>
</context>
<context>
    <name>TextDialog</name>
    <message>
        <location filename="../../ui/manager/rectification.py" line="-64" />
        <source>请填写%1</source>
        <translation>Please fill in: %1</translation>
    </message>
</context>
<context>
    <name>UnlockDialog</name>
    <message>
        <location filename="../../ui/lockdown.py" line="-106" />
        <source>退出锁定画面</source>
        <translation>Leave the locked screen</translation>
    </message>
    <message>
        <location line="+9" />
        <source>管理员账号</source>
        <translation>Administrator account</translation>
    </message>
    <message>
        <location line="+1" />
        <source>密码</source>
        <translation>Password</translation>
    </message>
</context>
<context>
    <name>VisitPage</name>
    <message>
        <location filename="../../ui/kiosk/visit_page.py" line="+41" />
        <source>请勾选今天要办理的全部事项，一张号票依次到各窗口办理</source>
        <translation>Tick every matter for today: one ticket takes you from counter to counter</translation>
    </message>
    <message>
        <location line="+21" />
        <source>一次取号</source>
        <translation>One ticket for all</translation>
    </message>
    <message>
        <location line="+3" />
        <source>返回首页</source>
        <translation>Back to start</translation>
    </message>
    <message>
        <location line="+28" />
        <source>一件事：{0}（{1}）</source>
        <translation>One-go bundle: {0} ({1})</translation>
    </message>
    <message>
        <location line="+11" />
        <source>暂无可一次取号的事项，请点击业务取号</source>
        <translation>No matters on offer here; please choose a service</translation>
    </message>
    <message>
        <location line="+35" />
        <source>一张号票办理一个“一件事”，已改选“{0}”</source>
        <translation>One bundle per ticket: changed to “{0}”</translation>
    </message>
    <message>
        <location line="+6" />
        <source>请至少勾选一个事项</source>
        <translation>Please tick at least one matter</translation>
    </message>
</context>
<context>
    <name>_Dialog</name>
    <message>
        <location filename="../../ui/manager/actions.py" line="-38" />
        <source>确定</source>
        <translation>OK</translation>
    </message>
    <message>
        <location line="+1" />
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>_Page</name>
    <message>
        <location filename="../../ui/wizard/wizard.py" line="-538" />
        <source>正在处理，请稍候……</source>
        <translation>Working, please wait…</translation>
    </message>
</context>
<context>
    <name>page</name>
    <message>
        <location filename="../../ui/wizard/screenshots.py" line="+48" />
        <source>查找完毕：{0} 个串口，{1} 台设备应答。</source>
        <translation>Search finished: {0} serial ports, {1} devices answered.</translation>
    </message>
    <message>
        <location line="+9" />
        <source>设置已保存，检查全部通过。可以开始服务了。</source>
        <translation>Settings saved and every check passed. Ready for service.</translation>
    </message>
</context>
</TS>
