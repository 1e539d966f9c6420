<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AuditPage</name>
    <message>
        <source>Audit log</source>
        <translation>审计日志</translation>
    </message>
    <message>
        <source>Every station&apos;s exports and prints, and the district&apos;s own records: newest first, read-only.</source>
        <translation>各站点的导出和打印记录，以及区总工会本身的记录：最新的在前，只读。</translation>
    </message>
    <message>
        <source>This station&apos;s records — logins, locks, passwords, changes, every export and print: newest first, read-only.</source>
        <translation>本站的记录——登录、锁定、密码、修改，以及每一次导出和打印：最新的在前，只读。</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <source>Everything</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Exports and prints</source>
        <translation>导出和打印</translation>
    </message>
    <message>
        <source>Logins and accounts</source>
        <translation>登录和账号</translation>
    </message>
    <message>
        <source>Changes to records</source>
        <translation>数据修改</translation>
    </message>
    <message>
        <source>All stations</source>
        <translation>全部站点</translation>
    </message>
    <message>
        <source>Station</source>
        <translation>站点</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>What</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>District (its own records)</source>
        <translation>区总工会（本身的记录）</translation>
    </message>
    <message>
        <source>%1 records, newest first</source>
        <translation>共 %1 条记录，最新的在前</translation>
    </message>
    <message>
        <source>The newest %1 records</source>
        <translation>最新的 %1 条记录</translation>
    </message>
</context>
<context>
    <name>BrokenPage</name>
    <message>
        <source>The page “%1” could not be opened: %2

This is a fault of the app, not of your data. Please report it with the log file:
%3</source>
        <translation>无法打开页面“%1”：%2

这是本软件的故障，与您的数据无关。请连同日志文件一起报告：
%3</translation>
    </message>
</context>
<context>
    <name>CaseEditDialog</name>
    <message>
        <source>Edit the hardship file of %1</source>
        <translation>修改 %1 的困难职工档案</translation>
    </message>
    <message>
        <source>This file is signed off: saving a change voids the sign-off, and the station head signs the file again.</source>
        <translation>本档案已签署：保存修改将使签署作废，需由站点负责人重新签署。</translation>
    </message>
    <message>
        <source>Political status</source>
        <translation>政治面貌</translation>
    </message>
    <message>
        <source>Health</source>
        <translation>健康状况</translation>
    </message>
    <message>
        <source>Disability category</source>
        <translation>残疾类别</translation>
    </message>
    <message>
        <source>Model-worker type</source>
        <translation>劳模类型</translation>
    </message>
    <message>
        <source>Employer</source>
        <translation>工作单位</translation>
    </message>
    <message>
        <source>Employer type</source>
        <translation>单位性质</translation>
    </message>
    <message>
        <source>Enterprise status</source>
        <translation>企业状况</translation>
    </message>
    <message>
        <source>Hukou area</source>
        <translation>户口所在地区划</translation>
    </message>
    <message>
        <source>Medical insurance</source>
        <translation>医保状况</translation>
    </message>
    <message>
        <source>Household size</source>
        <translation>家庭人口</translation>
    </message>
    <message>
        <source>Housing</source>
        <translation>住房类型</translation>
    </message>
    <message>
        <source>Single parent</source>
        <translation>是否单亲</translation>
    </message>
    <message>
        <source>Zero-employment household</source>
        <translation>是否零就业家庭</translation>
    </message>
    <message>
        <source>Own monthly income (yuan)</source>
        <translation>本人月收入（元）</translation>
    </message>
    <message>
        <source>Household annual income (yuan)</source>
        <translation>家庭年总收入（元）</translation>
    </message>
    <message>
        <source>Per-capita monthly income (yuan)</source>
        <translation>人均月收入（元）</translation>
    </message>
    <message>
        <source>Main cause</source>
        <translation>主要致困原因</translation>
    </message>
    <message>
        <source>Secondary cause</source>
        <translation>次要致困原因</translation>
    </message>
    <message>
        <source>Bank</source>
        <translation>开户银行</translation>
    </message>
    <message>
        <source>Account no.</source>
        <translation>卡号</translation>
    </message>
    <message>
        <source>Registered on</source>
        <translation>建档日期</translation>
    </message>
    <message>
        <source>Last annual review</source>
        <translation>最近年审日期</translation>
    </message>
    <message>
        <source>Filed by</source>
        <translation>建档人</translation>
    </message>
    <message>
        <source>Reviewed by</source>
        <translation>审核人</translation>
    </message>
    <message>
        <source>Entered by</source>
        <translation>录入人</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>困难类别</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>困难程度</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>Basic facts</source>
        <translation>基本情况</translation>
    </message>
    <message>
        <source>Bank account</source>
        <translation>银行账户</translation>
    </message>
    <message>
        <source>Household and income</source>
        <translation>家庭与收入</translation>
    </message>
    <message>
        <source>Causes of hardship</source>
        <translation>致困原因</translation>
    </message>
    <message>
        <source>Handling</source>
        <translation>经办</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Save the file</source>
        <translation>保存档案</translation>
    </message>
    <message>
        <source>Give the date the file was registered (建档日期).</source>
        <translation>请填写建档日期。</translation>
    </message>
</context>
<context>
    <name>CaseListModel</name>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>困难类别</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>困难程度</translation>
    </message>
    <message>
        <source>Household size</source>
        <translation>家庭人口</translation>
    </message>
    <message>
        <source>Registered</source>
        <translation>建档日期</translation>
    </message>
    <message>
        <source>Last review</source>
        <translation>最近年审</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>档案状态</translation>
    </message>
    <message>
        <source>Total received (yuan)</source>
        <translation>累计帮扶金额（元）</translation>
    </message>
    <message>
        <source>Closed on</source>
        <translation>关闭日期</translation>
    </message>
    <message>
        <source>Reason closed</source>
        <translation>关闭原因</translation>
    </message>
</context>
<context>
    <name>CloseDialog</name>
    <message>
        <source>Exit the file (脱困)</source>
        <translation>办理脱困</translation>
    </message>
    <message>
        <source>Cancel the file (注销)</source>
        <translation>注销档案</translation>
    </message>
    <message>
        <source>The household no longer needs help. From this date on the file no longer counts among the files on record, and takes no more entries.</source>
        <translation>该户已不再需要帮扶。自该日期起（含当天），档案不再计入在档困难职工，也不能再登记帮扶。</translation>
    </message>
    <message>
        <source>The file was opened in error or withdrawn. From this date on it no longer counts among the files on record, and takes no more entries.</source>
        <translation>该档案系误建或已撤回。自该日期起（含当天），档案不再计入在档困难职工，也不能再登记帮扶。</translation>
    </message>
    <message>
        <source>Exit date</source>
        <translation>脱困日期</translation>
    </message>
    <message>
        <source>Cancellation date</source>
        <translation>注销日期</translation>
    </message>
    <message>
        <source>Reason *</source>
        <translation>原因 *</translation>
    </message>
    <message>
        <source>Exit the file</source>
        <translation>确认脱困</translation>
    </message>
    <message>
        <source>Cancel the file</source>
        <translation>确认注销</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>返回</translation>
    </message>
</context>
<context>
    <name>CloseFollowUpDialog</name>
    <message>
        <source>Close the follow-up</source>
        <translation>关闭跟进</translation>
    </message>
    <message>
        <source>Close the follow-up of %1: its early warning goes.</source>
        <translation>关闭%1的跟进：其预警随之解除。</translation>
    </message>
    <message>
        <source>Closed on *</source>
        <translation>关闭日期 *</translation>
    </message>
    <message>
        <source>YYYY-MM-DD</source>
        <translation>年-月-日</translation>
    </message>
    <message>
        <source>Optional, for instance: the wages were paid</source>
        <translation>可不填，如：已协调补发工资</translation>
    </message>
    <message>
        <source>What came of it</source>
        <translation>跟进结果</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>ConflictsPanel</name>
    <message>
        <source>Station</source>
        <translation>站点</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>记录</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Fields that differ</source>
        <translation>不同之处</translation>
    </message>
    <message>
        <source>Detected</source>
        <translation>发现时间</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <source>Current version</source>
        <translation>当前版本</translation>
    </message>
    <message>
        <source>Overwritten version</source>
        <translation>被覆盖的版本</translation>
    </message>
    <message>
        <source>Keep the current version</source>
        <translation>保留当前版本</translation>
    </message>
    <message>
        <source>Bring the overwritten version back</source>
        <translation>恢复被覆盖的版本</translation>
    </message>
    <message>
        <source>the station&apos;s</source>
        <translation>站点的版本</translation>
    </message>
    <message>
        <source>the district&apos;s</source>
        <translation>区总工会的版本</translation>
    </message>
    <message>
        <source>this station&apos;s</source>
        <translation>本站点的版本</translation>
    </message>
    <message>
        <source>Select a conflict first.</source>
        <translation>请先选择一条冲突。</translation>
    </message>
    <message>
        <source>Keep the current version of %1? The overwritten version is set aside for good.</source>
        <translation>保留 %1 的当前版本？被覆盖的版本将不再采用。</translation>
    </message>
    <message>
        <source>Write the overwritten version of %1 back over the current one? It is sent on like any change.</source>
        <translation>用被覆盖的版本替换 %1 的当前版本？它会像其他修改一样同步出去。</translation>
    </message>
    <message>
        <source>Settle the conflict</source>
        <translation>处理冲突</translation>
    </message>
    <message>
        <source>Settled.</source>
        <translation>已处理。</translation>
    </message>
    <message>
        <source>Settled: the overwritten version is written back; the station pulls it at its next sync.</source>
        <translation>已处理：被覆盖的版本已写回，站点下次同步时取回。</translation>
    </message>
    <message>
        <source>Settled: the overwritten version is written back; the next sync sends it.</source>
        <translation>已处理：被覆盖的版本已写回，下次同步时发送给区总工会。</translation>
    </message>
</context>
<context>
    <name>DashboardPage</name>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>To do</source>
        <translation>待办事项</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>期限</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Detail</source>
        <translation>说明</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Settle…</source>
        <translation>处理…</translation>
    </message>
    <message>
        <source>This week&apos;s visits</source>
        <translation>本周走访</translation>
    </message>
    <message>
        <source>Open the visit diary</source>
        <translation>打开走访日志</translation>
    </message>
    <message>
        <source>Hardship files due for annual review</source>
        <translation>待年审的困难职工档案</translation>
    </message>
    <message>
        <source>Targets this year</source>
        <translation>本年度目标</translation>
    </message>
    <message>
        <source>No targets set for this year.</source>
        <translation>本年度尚未设定目标。</translation>
    </message>
    <message>
        <source>Recent activity</source>
        <translation>最近操作</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>Could not load the dashboard: %1</source>
        <translation>工作台加载失败：%1</translation>
    </message>
    <message>
        <source>The weekly quota is kept per station.</source>
        <translation>每周走访任务按站点考核。</translation>
    </message>
    <message>
        <source>Enterprise visits: %1 of %2 required</source>
        <translation>企业走访：已走访 %1 家，要求 %2 家</translation>
    </message>
    <message>
        <source>Shortfall: %1</source>
        <translation>还差 %1 家</translation>
    </message>
    <message>
        <source>Quota met for this week.</source>
        <translation>本周走访任务已完成。</translation>
    </message>
    <message>
        <source>Quota not met yet.</source>
        <translation>走访任务尚未完成。</translation>
    </message>
    <message>
        <source>Watch-listed, not visited yet: %1</source>
        <translation>尚未走访的重点监管企业：%1</translation>
    </message>
    <message>
        <source>%1 files due for review</source>
        <translation>%1 份档案待年审</translation>
    </message>
    <message>
        <source>… and %1 more</source>
        <translation>… 另有 %1 份</translation>
    </message>
    <message>
        <source>%1 (district target)</source>
        <translation>%1（全区目标）</translation>
    </message>
    <message>
        <source>District target: %1; this station&apos;s part: %2</source>
        <translation>全区目标 %1；本站完成 %2</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>操作人</translation>
    </message>
    <message>
        <source>What</source>
        <translation>内容</translation>
    </message>
    <message>
        <source>Nothing to do: no follow-up, review, watch-list visit or refused record is waiting.</source>
        <translation>暂无待办：没有待跟进的走访、待年审的档案、待走访的重点监管企业或被区总工会拒收的记录。</translation>
    </message>
    <message>
        <source>%1 items to do, %2 of them overdue (in red).</source>
        <translation>共 %1 项待办，其中 %2 项已逾期（红色）。</translation>
    </message>
    <message>
        <source>%1 items to do.</source>
        <translation>共 %1 项待办。</translation>
    </message>
    <message>
        <source>The record is no longer there: settle the item instead.</source>
        <translation>该记录已不存在：请直接处理这一项。</translation>
    </message>
</context>
<context>
    <name>DistrictHardshipPage</name>
    <message>
        <source>Station</source>
        <translation>站点</translation>
    </message>
    <message>
        <source>All stations</source>
        <translation>全部站点</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>困难类别</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>困难程度</translation>
    </message>
    <message>
        <source>Opened</source>
        <translation>建档日期</translation>
    </message>
    <message>
        <source>Last review</source>
        <translation>最近年审</translation>
    </message>
    <message>
        <source>Grassroots sign-off</source>
        <translation>基层工会意见</translation>
    </message>
    <message>
        <source>Upper union&apos;s sign-off</source>
        <translation>上级工会意见</translation>
    </message>
    <message>
        <source>Choose a file in the list.</source>
        <translation>请在列表中选择一份档案。</translation>
    </message>
    <message>
        <source>Household members</source>
        <translation>家庭成员</translation>
    </message>
    <message>
        <source>Sign-offs</source>
        <translation>审核签署</translation>
    </message>
    <message>
        <source>The upper union&apos;s opinion</source>
        <translation>上级工会审核意见</translation>
    </message>
    <message>
        <source>Date *</source>
        <translation>日期 *</translation>
    </message>
    <message>
        <source>YYYY-MM-DD</source>
        <translation>年-月-日</translation>
    </message>
    <message>
        <source>Opinion</source>
        <translation>意见</translation>
    </message>
    <message>
        <source>Withdraw the sign-off…</source>
        <translation>撤回签署…</translation>
    </message>
    <message>
        <source>Sign off</source>
        <translation>签署</translation>
    </message>
    <message>
        <source>not signed</source>
        <translation>未签署</translation>
    </message>
    <message>
        <source>(withdrawn)</source>
        <translation>（已撤回）</translation>
    </message>
    <message>
        <source>(voided)</source>
        <translation>（已作废）</translation>
    </message>
    <message>
        <source>(changed after sign-off)</source>
        <translation>（签字后有修改）</translation>
    </message>
    <message>
        <source>%1 files</source>
        <translation>共 %1 份档案</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>脱困/注销</translation>
    </message>
    <message>
        <source>Relation</source>
        <translation>与户主关系</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>年龄</translation>
    </message>
    <message>
        <source>Health</source>
        <translation>健康状况</translation>
    </message>
    <message>
        <source>School or work</source>
        <translation>就学/就业情况</translation>
    </message>
    <message>
        <source>Grassroots union: %1</source>
        <translation>基层工会意见：%1</translation>
    </message>
    <message>
        <source>Upper union: %1</source>
        <translation>上级工会意见：%1</translation>
    </message>
    <message>
        <source>Changed after sign-off: %1</source>
        <translation>签字后有修改：%1</translation>
    </message>
    <message>
        <source>Grassroots union</source>
        <translation>基层工会</translation>
    </message>
    <message>
        <source>Upper union</source>
        <translation>上级工会</translation>
    </message>
    <message>
        <source>voided: %1</source>
        <translation>已作废：%1</translation>
    </message>
    <message>
        <source>changed after sign-off</source>
        <translation>签字后有修改</translation>
    </message>
    <message>
        <source>in force</source>
        <translation>有效</translation>
    </message>
    <message>
        <source>Block</source>
        <translation>栏目</translation>
    </message>
    <message>
        <source>Signed by</source>
        <translation>签署人</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Choose a file in the list first.</source>
        <translation>请先在列表中选择一份档案。</translation>
    </message>
    <message>
        <source>The upper union signed this file off and nothing changed since.</source>
        <translation>上级工会已签署本档案，签署后未修改，无需再次签署。</translation>
    </message>
    <message>
        <source>Signed off.</source>
        <translation>已签署。</translation>
    </message>
    <message>
        <source>The file has no upper union&apos;s sign-off to withdraw.</source>
        <translation>本档案没有可撤回的上级工会签署。</translation>
    </message>
    <message>
        <source>The sign-off was withdrawn.</source>
        <translation>签署已撤回。</translation>
    </message>
</context>
<context>
    <name>DuplicatesPage</name>
    <message>
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Station</source>
        <translation>站点</translation>
    </message>
    <message>
        <source>Join date</source>
        <translation>入会日期</translation>
    </message>
    <message>
        <source>The member left this station (转出)…</source>
        <translation>会员已离开该站点（转出）…</translation>
    </message>
    <message>
        <source>%1 people are active members at more than one station. Select the row of the station a member left and mark it 转出; the other station keeps them.</source>
        <translation>有 %1 人同时是多个站点的在会会员。请选中会员已离开的站点那一行并标记为转出，另一站点保留该会员。</translation>
    </message>
    <message>
        <source>Select the row of the station the member left.</source>
        <translation>请选中会员已离开的站点那一行。</translation>
    </message>
    <message>
        <source>Duplicate members</source>
        <translation>重复会员</translation>
    </message>
    <message>
        <source>Mark %1 as transferred out of %2? %3 keeps the member.</source>
        <translation>将 %1 标记为从 %2 转出？由 %3 保留该会员。</translation>
    </message>
    <message>
        <source>Done: the station pulls the change at its next sync.</source>
        <translation>已完成：站点下次同步时取回此变更。</translation>
    </message>
</context>
<context>
    <name>EnterprisesPage</name>
    <message>
        <source>Filter by name or credit code</source>
        <translation>按企业名称或统一社会信用代码筛选</translation>
    </message>
    <message>
        <source>New enterprise</source>
        <translation>新增企业</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>企业名称</translation>
    </message>
    <message>
        <source>Credit code</source>
        <translation>统一社会信用代码</translation>
    </message>
    <message>
        <source>Industry</source>
        <translation>行业</translation>
    </message>
    <message>
        <source>Headcount</source>
        <translation>职工人数</translation>
    </message>
    <message>
        <source>Union established</source>
        <translation>已建工会</translation>
    </message>
    <message>
        <source>On watch list</source>
        <translation>重点监管</translation>
    </message>
    <message>
        <source>Name *</source>
        <translation>企业名称 *</translation>
    </message>
    <message>
        <source>18 characters</source>
        <translation>18位</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Union chair</source>
        <translation>工会主席</translation>
    </message>
    <message>
        <source>Contact phone</source>
        <translation>联系电话</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Register</source>
        <translation>登记</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>Labour-risk watch list</source>
        <translation>劳资隐患重点监管名单</translation>
    </message>
    <message>
        <source>Reason *</source>
        <translation>原因 *</translation>
    </message>
    <message>
        <source>Put on watch list</source>
        <translation>列入重点监管名单</translation>
    </message>
    <message>
        <source>Remove from watch list</source>
        <translation>移出重点监管名单</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详细信息</translation>
    </message>
    <message>
        <source>Watch history</source>
        <translation>监管记录</translation>
    </message>
    <message>
        <source>Visits</source>
        <translation>走访记录</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <source>%1 of %2 enterprises</source>
        <translation>显示 %1 家，共 %2 家企业</translation>
    </message>
    <message>
        <source>Choose an enterprise in the list first.</source>
        <translation>请先在列表中选择一家企业。</translation>
    </message>
    <message>
        <source>Save changes</source>
        <translation>保存修改</translation>
    </message>
    <message>
        <source>On the watch list</source>
        <translation>已列入重点监管名单</translation>
    </message>
    <message>
        <source>Not on the watch list</source>
        <translation>未列入重点监管名单</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>By</source>
        <translation>操作人</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>走访类型</translation>
    </message>
    <message>
        <source>Visitors</source>
        <translation>走访人员</translation>
    </message>
    <message>
        <source>Operating status</source>
        <translation>经营状况</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>发现问题</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
    <message>
        <source>Delete an enterprise</source>
        <translation>删除企业</translation>
    </message>
    <message>
        <source>Delete the enterprise %1? Do this only for an enterprise registered in error.</source>
        <translation>删除企业“%1”？仅用于误登记的企业。</translation>
    </message>
    <message>
        <source>Deleted %1.</source>
        <translation>已删除 %1。</translation>
    </message>
    <message>
        <source>Only the district office (区总工会) can remove an enterprise from the watch list. Ask the district office if the risk is resolved.</source>
        <translation>只有区总工会才能将企业移出重点监管名单。如隐患已消除，请联系区总工会。</translation>
    </message>
</context>
<context>
    <name>EventsPage</name>
    <message>
        <source>Year</source>
        <translation>年度</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>活动类型</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>活动名称</translation>
    </message>
    <message>
        <source>Place</source>
        <translation>地点</translation>
    </message>
    <message>
        <source>Person-times</source>
        <translation>服务人次</translation>
    </message>
    <message>
        <source>Migrant person-times</source>
        <translation>外来务工人员人次</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>修改…</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>Add event</source>
        <translation>新增活动</translation>
    </message>
    <message>
        <source>Kind *</source>
        <translation>活动类型 *</translation>
    </message>
    <message>
        <source>Date *</source>
        <translation>活动日期 *</translation>
    </message>
    <message>
        <source>YYYY-MM-DD</source>
        <translation>年-月-日</translation>
    </message>
    <message>
        <source>Title *</source>
        <translation>活动名称 *</translation>
    </message>
    <message>
        <source>Of whom migrant workers</source>
        <translation>其中外来务工人员人次</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Save event</source>
        <translation>保存活动</translation>
    </message>
    <message>
        <source>Cancel the correction</source>
        <translation>取消修改</translation>
    </message>
    <message>
        <source>%1 events, %2 person-times, %3 of them migrant workers</source>
        <translation>共 %1 场活动，服务 %2 人次，其中外来务工人员 %3 人次</translation>
    </message>
    <message>
        <source>Select an event first.</source>
        <translation>请先选择一条活动记录。</translation>
    </message>
    <message>
        <source>Correct the event of %1: %2</source>
        <translation>修改 %1 的活动：%2</translation>
    </message>
    <message>
        <source>Save the correction</source>
        <translation>保存修改</translation>
    </message>
    <message>
        <source>That event is no longer there.</source>
        <translation>这条活动记录已不存在。</translation>
    </message>
    <message>
        <source>the event of %1: %2</source>
        <translation>%1 的活动“%2”</translation>
    </message>
    <message>
        <source>Delete an event</source>
        <translation>删除活动</translation>
    </message>
    <message>
        <source>Delete %1? It no longer counts in any figure.</source>
        <translation>删除%1？删除后不再计入任何统计。</translation>
    </message>
    <message>
        <source>Deleted %1.</source>
        <translation>已删除%1。</translation>
    </message>
    <message>
        <source>Correction saved.</source>
        <translation>修改已保存。</translation>
    </message>
    <message>
        <source>Event saved.</source>
        <translation>活动已保存。</translation>
    </message>
</context>
<context>
    <name>Form</name>
    <message>
        <source>Unsaved changes</source>
        <translation>尚未保存的修改</translation>
    </message>
    <message>
        <source>What you typed here has not been saved yet.</source>
        <translation>这里录入的内容还没有保存。</translation>
    </message>
    <message>
        <source>Save it before going on, discard it, or stay here?</source>
        <translation>先保存再继续，放弃这些修改，还是留在此处？</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>放弃</translation>
    </message>
    <message>
        <source>Stay here</source>
        <translation>留在此处</translation>
    </message>
</context>
<context>
    <name>HardshipPage</name>
    <message>
        <source>Open files</source>
        <translation>在档档案</translation>
    </message>
    <message>
        <source>Due for annual review</source>
        <translation>待年审</translation>
    </message>
    <message>
        <source>Never helped</source>
        <translation>尚未帮扶</translation>
    </message>
    <message>
        <source>Not updated for a year</source>
        <translation>超过一年未更新</translation>
    </message>
    <message>
        <source>Exited (脱困)</source>
        <translation>已脱困</translation>
    </message>
    <message>
        <source>Cancelled (注销)</source>
        <translation>已注销</translation>
    </message>
    <message>
        <source>Open file…</source>
        <translation>建档…</translation>
    </message>
    <message>
        <source>No file selected</source>
        <translation>未选择档案</translation>
    </message>
    <message>
        <source>Record review</source>
        <translation>登记年审</translation>
    </message>
    <message>
        <source>Exit (脱困)…</source>
        <translation>脱困…</translation>
    </message>
    <message>
        <source>Cancel file (注销)…</source>
        <translation>注销…</translation>
    </message>
    <message>
        <source>Re-open…</source>
        <translation>撤销关闭…</translation>
    </message>
    <message>
        <source>Print…</source>
        <translation>打印…</translation>
    </message>
    <message>
        <source>Save as PDF…</source>
        <translation>另存为 PDF…</translation>
    </message>
    <message>
        <source>Edit the file…</source>
        <translation>修改档案…</translation>
    </message>
    <message>
        <source>Sign off (grassroots union)…</source>
        <translation>签署（基层工会意见）…</translation>
    </message>
    <message>
        <source>Sign-offs</source>
        <translation>审核签署</translation>
    </message>
    <message>
        <source>File</source>
        <translation>档案信息</translation>
    </message>
    <message>
        <source>Edit household member…</source>
        <translation>修改家庭成员…</translation>
    </message>
    <message>
        <source>Delete household member…</source>
        <translation>删除家庭成员…</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Relation</source>
        <translation>与户主关系</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>年龄</translation>
    </message>
    <message>
        <source>Health</source>
        <translation>健康状况</translation>
    </message>
    <message>
        <source>School / work</source>
        <translation>就学/就业情况</translation>
    </message>
    <message>
        <source>Add household member</source>
        <translation>添加家庭成员</translation>
    </message>
    <message>
        <source>Household</source>
        <translation>家庭成员</translation>
    </message>
    <message>
        <source>Reverse…</source>
        <translation>冲正…</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>帮扶类型</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>帮扶日期</translation>
    </message>
    <message>
        <source>Amount (yuan)</source>
        <translation>金额（元）</translation>
    </message>
    <message>
        <source>Cover year</source>
        <translation>保障年度</translation>
    </message>
    <message>
        <source>Student</source>
        <translation>受助学生</translation>
    </message>
    <message>
        <source>Funding source</source>
        <translation>资金来源</translation>
    </message>
    <message>
        <source>Handled by</source>
        <translation>经办人</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Add entry</source>
        <translation>新增帮扶记录</translation>
    </message>
    <message>
        <source>Ledger</source>
        <translation>帮扶台账</translation>
    </message>
    <message>
        <source>For a file opened in error or withdrawn.</source>
        <translation>用于误建或撤回的档案。</translation>
    </message>
    <message>
        <source>Undo the cancellation…</source>
        <translation>撤销注销…</translation>
    </message>
    <message>
        <source>Undo the exit…</source>
        <translation>撤销脱困…</translation>
    </message>
    <message>
        <source>Undo an exit or a cancellation recorded in error.</source>
        <translation>撤销误办的脱困或注销。</translation>
    </message>
    <message>
        <source>The station head signs the file as it is now.</source>
        <translation>由站点负责人按档案当前内容签署基层工会意见。</translation>
    </message>
    <message>
        <source>Signed off, and unchanged since.</source>
        <translation>已签署，签署后未修改。</translation>
    </message>
    <message>
        <source>Entries are never edited: a mistake is corrected by a reversal (冲正).</source>
        <translation>台账记录不能修改，登记有误请冲正。</translation>
    </message>
    <message>
        <source>Could not load: %1</source>
        <translation>加载失败：%1</translation>
    </message>
    <message numerus="yes">
        <source>%n file(s)</source>
        <translation>
            <numerusform>共 %n 份档案</numerusform>
        </translation>
    </message>
    <message>
        <source>Grassroots union (基层工会意见): </source>
        <translation>基层工会意见：</translation>
    </message>
    <message>
        <source>not signed off yet</source>
        <translation>尚未签署</translation>
    </message>
    <message>
        <source>Upper union (上级工会意见, the district&apos;s): </source>
        <translation>上级工会意见（区总工会）：</translation>
    </message>
    <message>
        <source>not signed off by the district yet</source>
        <translation>区总工会尚未签署</translation>
    </message>
    <message>
        <source>signed off by %1 on %2</source>
        <translation>%1 于 %2 签署</translation>
    </message>
    <message>
        <source> — opinion: %1</source>
        <translation>，意见：%1</translation>
    </message>
    <message>
        <source>Changed after signing (签字后有修改) — the sign-off is void: %1 (%2, %3)</source>
        <translation>签字后有修改，签署已作废：%1（%2，%3）</translation>
    </message>
    <message>
        <source>Withdrawn by the district: %1</source>
        <translation>区总工会已撤回：%1</translation>
    </message>
    <message>
        <source>Changed after signing (签字后有修改): %1</source>
        <translation>签字后有修改：%1</translation>
    </message>
    <message>
        <source> — unchanged since</source>
        <translation>，签署后未修改</translation>
    </message>
    <message>
        <source>Exited (脱困) on %1</source>
        <translation>已脱困（%1）</translation>
    </message>
    <message>
        <source>Cancelled (注销) on %1</source>
        <translation>已注销（%1）</translation>
    </message>
    <message>
        <source>an unknown date</source>
        <translation>日期不详</translation>
    </message>
    <message>
        <source> — reason: %1</source>
        <translation>— 原因：%1</translation>
    </message>
    <message>
        <source>Total: %1 yuan</source>
        <translation>合计：%1 元</translation>
    </message>
    <message>
        <source>Reversed entries and their reversals count for nothing.</source>
        <translation>已冲正的记录及其冲正记录均不计入合计。</translation>
    </message>
    <message>
        <source>Select the entry to reverse first.</source>
        <translation>请先选择要冲正的记录。</translation>
    </message>
    <message>
        <source>Re-open the file</source>
        <translation>撤销关闭（重新开档）</translation>
    </message>
    <message>
        <source>Re-open %1&apos;s file? Do this only when the exit or cancellation was recorded in error: the file counts as on file again from its registration, as if never closed. The audit log keeps the closing undone.</source>
        <translation>撤销 %1 档案的关闭？仅在脱困或注销办理有误时使用：档案将恢复在档，自建档日起计入，如同从未关闭。审计日志会保留被撤销的记录。</translation>
    </message>
    <message>
        <source>Select the household member first.</source>
        <translation>请先选择家庭成员。</translation>
    </message>
    <message>
        <source>Remove %1 from the household? The row is kept as deleted in the audit log, and the deletion reaches the district at the next sync.</source>
        <translation>从家庭成员中删除 %1？该记录将标记为已删除并保留在审计日志中，下次同步时删除会同步到区总工会。</translation>
    </message>
    <message>
        <source>The file is signed off: this voids the sign-off.</source>
        <translation>本档案已签署：删除将使签署作废。</translation>
    </message>
    <message>
        <source>Delete household member</source>
        <translation>删除家庭成员</translation>
    </message>
    <message>
        <source>Hardship file</source>
        <translation>困难职工档案</translation>
    </message>
    <message>
        <source>Print the hardship file</source>
        <translation>打印困难职工档案</translation>
    </message>
</context>
<context>
    <name>HouseholdDialog</name>
    <message>
        <source>Edit household member %1</source>
        <translation>修改家庭成员 %1</translation>
    </message>
    <message>
        <source>This file is signed off: saving a change voids the sign-off.</source>
        <translation>本档案已签署：保存修改将使签署作废。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Relation</source>
        <translation>与户主关系</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>年龄</translation>
    </message>
    <message>
        <source>Health</source>
        <translation>健康状况</translation>
    </message>
    <message>
        <source>School / work</source>
        <translation>就学/就业情况</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
</context>
<context>
    <name>HouseholdModel</name>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Relation</source>
        <translation>与户主关系</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>年龄</translation>
    </message>
    <message>
        <source>Health</source>
        <translation>健康状况</translation>
    </message>
    <message>
        <source>School / work</source>
        <translation>就学/就业情况</translation>
    </message>
</context>
<context>
    <name>ImportDialog</name>
    <message>
        <source>Import from Excel</source>
        <translation>从 Excel 导入</translation>
    </message>
    <message>
        <source>The workbook (.xlsx, .xls, .ods)</source>
        <translation>工作簿（.xlsx、.xls、.ods）</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>What the sheet holds</source>
        <translation>表格内容</translation>
    </message>
    <message>
        <source>Tell from the headers</source>
        <translation>按表头自动识别</translation>
    </message>
    <message>
        <source>Headers on row</source>
        <translation>表头所在行</translation>
    </message>
    <message>
        <source>find them</source>
        <translation>自动查找</translation>
    </message>
    <message>
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <source>Sheets holding this data (tick the ones to import):</source>
        <translation>含有这类数据的工作表（勾选要导入的）：</translation>
    </message>
    <message>
        <source>Columns (correct the mapping if a column was read wrong):</source>
        <translation>各列对应（如有列识别错误，请在此更正）：</translation>
    </message>
    <message>
        <source>Column in the sheet</source>
        <translation>表格中的列</translation>
    </message>
    <message>
        <source>Read as</source>
        <translation>读作</translation>
    </message>
    <message>
        <source>Row</source>
        <translation>行</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>What to fix</source>
        <translation>需要修改</translation>
    </message>
    <message>
        <source>Warnings (check before importing)</source>
        <translation>提示（导入前请核对）</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <source>Save the rejected rows and warnings…</source>
        <translation>保存未导入的行和提示…</translation>
    </message>
    <message>
        <source>Apply the differences…</source>
        <translation>应用表中的不同之处…</translation>
    </message>
    <message>
        <source>Undo the last import…</source>
        <translation>撤销最近一次导入…</translation>
    </message>
    <message>
        <source>Choose the workbook</source>
        <translation>选择工作簿</translation>
    </message>
    <message>
        <source>Spreadsheets (*.xlsx *.xlsm *.xls *.ods)</source>
        <translation>电子表格 (*.xlsx *.xlsm *.xls *.ods)</translation>
    </message>
    <message>
        <source>Choose a workbook first.</source>
        <translation>请先选择工作簿。</translation>
    </message>
    <message>
        <source>Tick at least one sheet to import.</source>
        <translation>请至少勾选一个要导入的工作表。</translation>
    </message>
    <message>
        <source>Reading and checking…</source>
        <translation>正在读取并检查…</translation>
    </message>
    <message>
        <source>Checking the workbook…</source>
        <translation>正在检查工作簿…</translation>
    </message>
    <message>
        <source>To set the columns by hand, choose what the sheet holds above (and the row of its headers), then Preview.</source>
        <translation>如需手动指定各列，请在上方选择表格内容（以及表头所在行），再点“预览”。</translation>
    </message>
    <message>
        <source>%1 — %2 sheets (%3): %4 rows ready, %5 with errors, %6 already there.</source>
        <translation>%1 — %2 个工作表（%3）：%4 行可导入，%5 行有错误，%6 行已存在。</translation>
    </message>
    <message>
        <source>%1 — sheet “%2”, headers on row %3: %4 rows ready, %5 with errors, %6 already there.</source>
        <translation>%1 — 工作表“%2”，表头在第 %3 行：%4 行可导入，%5 行有错误，%6 行已存在。</translation>
    </message>
    <message>
        <source>No headers were found: set what each column holds below (each column is shown with its first value). If the sheet has a header row after all, give its number above.</source>
        <translation>未找到表头：请在下方指定每一列的内容（每列显示其第一个值）。如果表格其实有表头行，请在上方填写它所在的行号。</translation>
    </message>
    <message>
        <source>%1 of the ready rows have a warning: check them below (they are imported as they are).</source>
        <translation>可导入的行中有 %1 行带有提示：请在下方核对（这些行会按原样导入）。</translation>
    </message>
    <message>
        <source>%1 rows already there differ from the sheet: see below; nothing is changed unless you apply the differences.</source>
        <translation>%1 个已登记的行与表中不同：见下方；除非应用这些不同之处，否则不会改动。</translation>
    </message>
    <message>
        <source>%1 cells far to the right of the data (the farthest at %2) were not read.</source>
        <translation>数据右侧远处的 %1 个单元格（最远在 %2）未读取。</translation>
    </message>
    <message>
        <source>(leave out)</source>
        <translation>（不导入）</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>可导入</translation>
    </message>
    <message>
        <source>error</source>
        <translation>有错误</translation>
    </message>
    <message>
        <source>already there</source>
        <translation>已存在</translation>
    </message>
    <message>
        <source>left out</source>
        <translation>已跳过</translation>
    </message>
    <message>
        <source>differs: %1</source>
        <translation>表中不同：%1</translation>
    </message>
    <message>
        <source>Imported %1 rows; %2 rejected, %3 already there.</source>
        <translation>已导入 %1 行；%2 行未通过检查，%3 行已存在。</translation>
    </message>
    <message>
        <source>Importing…</source>
        <translation>正在导入…</translation>
    </message>
    <message>
        <source>Apply the differences</source>
        <translation>应用表中的不同之处</translation>
    </message>
    <message>
        <source>The sheet&apos;s values replace the registered ones for the ticked differences:</source>
        <translation>对勾选的各项，用表中的值替换已登记的值：</translation>
    </message>
    <message>
        <source>Row %1: %2</source>
        <translation>第 %1 行：%2</translation>
    </message>
    <message>
        <source>Updated %1 records with the sheet&apos;s values.</source>
        <translation>已用表中的值更新 %1 条记录。</translation>
    </message>
    <message>
        <source>Undo the last import</source>
        <translation>撤销最近一次导入</translation>
    </message>
    <message>
        <source>Remove every row the last import added? This is possible while none of them has been changed or used since.</source>
        <translation>删除最近一次导入新增的所有行吗？只有这些行之后没有被修改或使用过时才能撤销。</translation>
    </message>
    <message>
        <source>The import of %1 was undone: %2 rows removed.</source>
        <translation>已撤销 %1 的导入：删除了 %2 行。</translation>
    </message>
    <message>
        <source>Undoing…</source>
        <translation>正在撤销…</translation>
    </message>
    <message>
        <source>Save the rejected rows</source>
        <translation>保存未导入的行</translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <source>Rejected rows saved: %1</source>
        <translation>未导入的行已保存：%1</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
</context>
<context>
    <name>LedgerModel</name>
    <message>
        <source>No.</source>
        <translation>序号</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>帮扶日期</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>帮扶类型</translation>
    </message>
    <message>
        <source>Amount (yuan)</source>
        <translation>金额（元）</translation>
    </message>
    <message>
        <source>Funding source</source>
        <translation>资金来源</translation>
    </message>
    <message>
        <source>Handled by</source>
        <translation>经办人</translation>
    </message>
    <message>
        <source>Reversal</source>
        <translation>冲正</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Reversal (冲正) of no. %1</source>
        <translation>冲正第 %1 笔</translation>
    </message>
    <message>
        <source>Reversed by no. %1</source>
        <translation>已被第 %1 笔冲正</translation>
    </message>
    <message>
        <source>cover year %1</source>
        <translation>保障年度 %1</translation>
    </message>
    <message>
        <source>student: %1</source>
        <translation>受助学生：%1</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Log in — station %1</source>
        <translation>登录 — 站点 %1</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Forgot the password? Use the recovery key</source>
        <translation>忘记密码？用恢复密钥</translation>
    </message>
    <message>
        <source>Restore this backup now?</source>
        <translation>现在恢复这个备份吗？</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>Back up now</source>
        <translation>立即备份</translation>
    </message>
    <message>
        <source>Restore from a backup…</source>
        <translation>从备份恢复…</translation>
    </message>
    <message>
        <source>Hardship ledger…</source>
        <translation>困难职工帮扶台账…</translation>
    </message>
    <message>
        <source>Visit diary…</source>
        <translation>企业走访日志…</translation>
    </message>
    <message>
        <source>Events…</source>
        <translation>活动…</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>%1 · station %2</source>
        <translation>%1 · 站点 %2</translation>
    </message>
    <message>
        <source>%1 changes not yet sent</source>
        <translation>%1 条更改尚未同步</translation>
    </message>
    <message>
        <source>Backed up (%1, %2)</source>
        <translation>已备份（%1，%2）</translation>
    </message>
    <message>
        <source>Last sync: %1</source>
        <translation>上次同步：%1</translation>
    </message>
    <message>
        <source>Opening the database…</source>
        <translation>正在打开数据库…</translation>
    </message>
    <message>
        <source>Import from Excel…</source>
        <translation>从 Excel 导入…</translation>
    </message>
    <message>
        <source>Export to Excel</source>
        <translation>导出 Excel</translation>
    </message>
    <message>
        <source>Member roster</source>
        <translation>会员名册</translation>
    </message>
    <message>
        <source>Sync not set up</source>
        <translation>未设置同步</translation>
    </message>
    <message>
        <source>%1 · district</source>
        <translation>%1 · 区总工会</translation>
    </message>
    <message>
        <source>%1 open sync conflicts</source>
        <translation>%1 条未处理的同步冲突</translation>
    </message>
    <message>
        <source>Backing up…</source>
        <translation>正在备份…</translation>
    </message>
    <message>
        <source>manual</source>
        <translation>手动</translation>
    </message>
    <message>
        <source>daily</source>
        <translation>每日</translation>
    </message>
    <message>
        <source>pre-upgrade</source>
        <translation>升级前</translation>
    </message>
    <message>
        <source>pre-restore</source>
        <translation>恢复前</translation>
    </message>
    <message>
        <source>Backups are kept in %1</source>
        <translation>备份保存在 %1</translation>
    </message>
    <message>
        <source>Member roster</source>
        <comment>file name</comment>
        <translation>会员花名册</translation>
    </message>
    <message>
        <source>Hardship ledger</source>
        <comment>file name</comment>
        <translation>帮扶台账</translation>
    </message>
    <message>
        <source>Visit diary</source>
        <comment>file name</comment>
        <translation>走访日志</translation>
    </message>
    <message>
        <source>Events</source>
        <comment>file name</comment>
        <translation>活动</translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <source>%1 rows written to %2</source>
        <translation>已写入 %1 行：%2</translation>
    </message>
    <message>
        <source>Writing the workbook…</source>
        <translation>正在写入工作簿…</translation>
    </message>
    <message>
        <source>Restore</source>
        <translation>恢复</translation>
    </message>
    <message>
        <source>There is no backup yet.</source>
        <translation>还没有备份。</translation>
    </message>
    <message>
        <source>Restoring the backup…</source>
        <translation>正在恢复备份…</translation>
    </message>
    <message>
        <source>Restored: log in again</source>
        <translation>已恢复：请重新登录</translation>
    </message>
    <message>
        <source>Restored from the %2 backup of %1</source>
        <translation>已从 %1 的%2备份恢复</translation>
    </message>
    <message>
        <source>Station app — district view</source>
        <translation>社区工联会工作台 — 区总工会视图</translation>
    </message>
    <message>
        <source>Station app</source>
        <translation>工会站点管理</translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation>工作台</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>会员</translation>
    </message>
    <message>
        <source>Enterprises</source>
        <translation>企业</translation>
    </message>
    <message>
        <source>Hardship ledger</source>
        <translation>困难职工台账</translation>
    </message>
    <message>
        <source>Visit diary</source>
        <translation>走访日志</translation>
    </message>
    <message>
        <source>Events</source>
        <translation>活动</translation>
    </message>
    <message>
        <source>Reports</source>
        <translation>工作报表</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>同步</translation>
    </message>
    <message>
        <source>Audit log</source>
        <translation>审计日志</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>区总览</translation>
    </message>
    <message>
        <source>Stations</source>
        <translation>站点</translation>
    </message>
    <message>
        <source>Station visits</source>
        <translation>站点调研</translation>
    </message>
    <message>
        <source>Hardship files</source>
        <translation>困难职工档案</translation>
    </message>
    <message>
        <source>Duplicate members</source>
        <translation>重复会员</translation>
    </message>
    <message>
        <source>Sync conflicts</source>
        <translation>同步冲突</translation>
    </message>
    <message>
        <source>Early warnings</source>
        <translation>预警企业</translation>
    </message>
    <message>
        <source>Targets</source>
        <translation>年度目标</translation>
    </message>
</context>
<context>
    <name>MembersPage</name>
    <message>
        <source>Search: name, pinyin initials, ID number digits or phone</source>
        <translation>搜索：姓名、拼音首字母、身份证号或电话</translation>
    </message>
    <message>
        <source>All statuses</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <source>New member</source>
        <translation>新增会员</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <source>18 characters</source>
        <translation>18位</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Ethnicity</source>
        <translation>民族</translation>
    </message>
    <message>
        <source>Employer</source>
        <translation>工作单位</translation>
    </message>
    <message>
        <source>Card number</source>
        <translation>会员卡号</translation>
    </message>
    <message>
        <source>Join date</source>
        <translation>入会日期</translation>
    </message>
    <message>
        <source>Migrant worker</source>
        <translation>外来务工人员</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Change status…</source>
        <translation>变更状态…</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>%1 found</source>
        <translation>找到 %1 名会员</translation>
    </message>
    <message>
        <source>%1 members</source>
        <translation>共 %1 名会员</translation>
    </message>
    <message>
        <source>Member: %1</source>
        <translation>会员：%1</translation>
    </message>
    <message>
        <source>Status: %1</source>
        <translation>状态：%1</translation>
    </message>
    <message>
        <source>Born %1, %2</source>
        <translation>出生日期 %1，%2</translation>
    </message>
    <message>
        <source>This ID number is already registered to the active member %1, shown here.</source>
        <translation>该身份证号已登记为在会会员 %1，已为您显示该会员。</translation>
    </message>
    <message>
        <source>Delete member</source>
        <translation>删除会员</translation>
    </message>
    <message>
        <source>Delete %1? Only a member registered in error is deleted; a member who left is recorded with Change status.</source>
        <translation>删除 %1？只删除误登记的会员；退会、转出等请用“变更状态”登记。</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>%1 was deleted.</source>
        <translation>已删除 %1。</translation>
    </message>
</context>
<context>
    <name>MembersTableModel</name>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Gender</source>
        <translation>性别</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Employer</source>
        <translation>工作单位</translation>
    </message>
    <message>
        <source>Join date</source>
        <translation>入会日期</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
</context>
<context>
    <name>NewPasswordDialog</name>
    <message>
        <source>Choose your own password</source>
        <translation>设置您自己的密码</translation>
    </message>
    <message>
        <source>An administrator set your password. Before you go on, choose a new one that only you know.</source>
        <translation>您的密码是管理员设置的。继续之前，请设置一个只有您自己知道的新密码。</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>新密码</translation>
    </message>
    <message>
        <source>New password again</source>
        <translation>再次输入新密码</translation>
    </message>
</context>
<context>
    <name>OpenCaseDialog</name>
    <message>
        <source>Open a hardship file</source>
        <translation>困难职工建档</translation>
    </message>
    <message>
        <source>Name, pinyin initials or ID number digits</source>
        <translation>姓名、拼音首字母或身份证号</translation>
    </message>
    <message>
        <source>Member</source>
        <translation>会员</translation>
    </message>
    <message>
        <source>Category *</source>
        <translation>困难类别 *</translation>
    </message>
    <message>
        <source>Level *</source>
        <translation>困难程度 *</translation>
    </message>
    <message>
        <source>Household size *</source>
        <translation>家庭人口 *</translation>
    </message>
    <message>
        <source>number of people, 1 to 30</source>
        <translation>填写人数，1 至 30</translation>
    </message>
    <message>
        <source>Per-capita monthly income (yuan)</source>
        <translation>人均月收入（元）</translation>
    </message>
    <message>
        <source>e.g. 850.00</source>
        <translation>例如 850.00</translation>
    </message>
    <message>
        <source>Registered on</source>
        <translation>建档日期</translation>
    </message>
    <message>
        <source>YYYY-MM-DD</source>
        <translation>年-月-日</translation>
    </message>
    <message>
        <source>Open file</source>
        <translation>建档</translation>
    </message>
    <message>
        <source>Search for the member and select them.</source>
        <translation>请搜索并选择会员。</translation>
    </message>
</context>
<context>
    <name>OverviewPage</name>
    <message>
        <source>As of</source>
        <translation>截至</translation>
    </message>
    <message>
        <source>Figure</source>
        <translation>指标</translation>
    </message>
    <message>
        <source>District</source>
        <translation>全区</translation>
    </message>
    <message>
        <source>Station</source>
        <translation>站点</translation>
    </message>
</context>
<context>
    <name>PasswordDialog</name>
    <message>
        <source>Reset password for %1</source>
        <translation>重置 %1 的密码</translation>
    </message>
    <message>
        <source>New password *</source>
        <translation>新密码 *</translation>
    </message>
    <message>
        <source>Repeat it *</source>
        <translation>确认新密码 *</translation>
    </message>
</context>
<context>
    <name>PeriodDialog</name>
    <message>
        <source>Year</source>
        <translation>年度</translation>
    </message>
    <message>
        <source>From</source>
        <translation>起止日期</translation>
    </message>
    <message>
        <source>Last year (%1)</source>
        <translation>去年（%1）</translation>
    </message>
    <message>
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <source>The first day is after the last: choose a first day on or before %1.</source>
        <translation>开始日期晚于结束日期：请选择 %1 或之前的开始日期。</translation>
    </message>
</context>
<context>
    <name>QAbstractFileIconProvider</name>
    <message>
        <source>Folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Drive</source>
        <translation>驱动器</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>未知</translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <source>&amp;Look in:</source>
        <translation>查找范围(&amp;L)：</translation>
    </message>
    <message>
        <source>Files of &amp;type:</source>
        <translation>文件类型(&amp;T)：</translation>
    </message>
</context>
<context>
    <name>QProgressDialog</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>Records</name>
    <message>
        <source>Member</source>
        <translation>会员</translation>
    </message>
    <message>
        <source>Enterprise</source>
        <translation>企业</translation>
    </message>
    <message>
        <source>Watch-list entry</source>
        <translation>重点监管记录</translation>
    </message>
    <message>
        <source>Hardship file</source>
        <translation>困难职工档案</translation>
    </message>
    <message>
        <source>Household member</source>
        <translation>家庭成员</translation>
    </message>
    <message>
        <source>Ledger entry</source>
        <translation>台账记录</translation>
    </message>
    <message>
        <source>Visit</source>
        <translation>走访</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>活动</translation>
    </message>
    <message>
        <source>Event participant</source>
        <translation>活动参加人</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>年度目标</translation>
    </message>
    <message>
        <source>Station</source>
        <translation>站点</translation>
    </message>
</context>
<context>
    <name>RecoveryDialog</name>
    <message>
        <source>Open with the recovery key</source>
        <translation>用恢复密钥打开</translation>
    </message>
    <message>
        <source>The recovery key was shown once when this station was set up (14 groups of 4 letters and digits). It opens the file and sets a new password for a station administrator.</source>
        <translation>恢复密钥在设置本站点时显示过一次（共 14 组，每组 4 个字母或数字）。用它可以打开数据文件，并为站点管理员设置新密码。</translation>
    </message>
    <message>
        <source>Recovery key</source>
        <translation>恢复密钥</translation>
    </message>
    <message>
        <source>Station administrator&apos;s user name</source>
        <translation>站点管理员的用户名</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>新密码</translation>
    </message>
    <message>
        <source>New password again</source>
        <translation>再次输入新密码</translation>
    </message>
</context>
<context>
    <name>RecoveryKeyDialog</name>
    <message>
        <source>Recovery key: keep it on paper</source>
        <translation>恢复密钥：请抄写在纸上妥善保管</translation>
    </message>
    <message>
        <source>This station&apos;s data is now encrypted on this computer. If every administrator forgets their password, this recovery key is the only way to open it (or the district sends the data back, without what was never synced). Write it down or print it, keep it locked away from this laptop, and do not save it on it.</source>
        <translation>本站点的数据已在这台电脑上加密保存。如果所有管理员都忘记了密码，只有这个恢复密钥能打开数据（否则只能由区总工会把数据发回，但从未同步过的内容会丢失）。请把它抄写或打印出来，与这台笔记本电脑分开锁好保管，不要保存在这台电脑上。</translation>
    </message>
    <message>
        <source>I have written down or printed the recovery key</source>
        <translation>我已抄写或打印了恢复密钥</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
</context>
<context>
    <name>ReportsPage</name>
    <message>
        <source>As of</source>
        <translation>截至</translation>
    </message>
    <message>
        <source>Sign…</source>
        <translation>签署…</translation>
    </message>
    <message>
        <source>A district administrator signs the district&apos;s report.</source>
        <translation>全区的报告由区总工会管理员签署。</translation>
    </message>
    <message>
        <source>A station administrator signs the station&apos;s report.</source>
        <translation>本站的报告由站点管理员签署。</translation>
    </message>
    <message>
        <source>Signed reports…</source>
        <translation>已签署的报告…</translation>
    </message>
    <message>
        <source>Print / PDF…</source>
        <translation>打印 / PDF…</translation>
    </message>
    <message>
        <source>Save as PDF…</source>
        <translation>另存为 PDF…</translation>
    </message>
    <message>
        <source>Print…</source>
        <translation>打印…</translation>
    </message>
    <message>
        <source>Export to Excel…</source>
        <translation>导出 Excel…</translation>
    </message>
    <message>
        <source>Figure</source>
        <translation>指标</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>数值</translation>
    </message>
    <message>
        <source>As signed</source>
        <translation>签署时</translation>
    </message>
    <message>
        <source>Targets</source>
        <translation>年度目标</translation>
    </message>
    <message>
        <source>Scope</source>
        <translation>范围</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>目标值</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>完成数</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成率</translation>
    </message>
    <message>
        <source>Select a figure to see the records behind it.</source>
        <translation>选中一项指标，查看它所统计的记录。</translation>
    </message>
    <message>
        <source>Targets of %1</source>
        <translation>%1 年度目标</translation>
    </message>
    <message>
        <source>No targets set for %1.</source>
        <translation>%1 年未设定目标。</translation>
    </message>
    <message>
        <source>District</source>
        <translation>全区</translation>
    </message>
    <message>
        <source>this station&apos;s part: %1</source>
        <translation>本站完成 %1</translation>
    </message>
    <message>
        <source>signed %1</source>
        <translation>签署时 %1</translation>
    </message>
    <message>
        <source>Every station synced on %1 or later.</source>
        <translation>各站点均已在 %1 或之后同步。</translation>
    </message>
    <message>
        <source>never synced</source>
        <translation>从未同步</translation>
    </message>
    <message>
        <source>Signed: %1</source>
        <translation>已签署：%1</translation>
    </message>
    <message>
        <source>(signed %1 times for this date; the newest is shown)</source>
        <translation>（该日期共签署 %1 次，显示最近一次）</translation>
    </message>
    <message>
        <source>The stored signature does not match its figures: the record was changed after signing.</source>
        <translation>保存的签署与其数字不符：该记录在签署后被改动过。</translation>
    </message>
    <message>
        <source>%1: counted from the weekly visit quota, no list of its own.</source>
        <translation>%1：按每周走访要求统计，没有单独的记录列表。</translation>
    </message>
    <message>
        <source>%1: reading the records…</source>
        <translation>%1：正在读取记录…</translation>
    </message>
    <message>
        <source>%1 = %2: %3 records</source>
        <translation>%1 = %2：共 %3 条记录</translation>
    </message>
    <message>
        <source>work-summary</source>
        <translation>工作报表</translation>
    </message>
    <message>
        <source>Export the report</source>
        <translation>导出报表</translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <source>Written: %1</source>
        <translation>已写入：%1</translation>
    </message>
    <message>
        <source>Could not write the workbook: %1</source>
        <translation>无法写入工作簿：%1</translation>
    </message>
    <message>
        <source>Writing the workbook…</source>
        <translation>正在写入工作簿…</translation>
    </message>
    <message>
        <source>Could not make the document: %1</source>
        <translation>无法生成文档：%1</translation>
    </message>
    <message>
        <source>Work summary report</source>
        <translation>工作汇总报告</translation>
    </message>
    <message>
        <source>Could not write the PDF: %1</source>
        <translation>无法写入 PDF：%1</translation>
    </message>
    <message>
        <source>Print the report</source>
        <translation>打印报告</translation>
    </message>
    <message>
        <source>Not signed: %1</source>
        <translation>未签署：%1</translation>
    </message>
    <message>
        <source>Signing the report…</source>
        <translation>正在签署报告…</translation>
    </message>
</context>
<context>
    <name>RestoreDialog</name>
    <message>
        <source>Restore from a backup</source>
        <translation>从备份恢复</translation>
    </message>
    <message>
        <source>Choose the backup to return to. The current file is kept as a backup too.</source>
        <translation>请选择要恢复的备份。当前数据文件也会另存一份备份。</translation>
    </message>
    <message>
        <source>daily</source>
        <translation>每日备份</translation>
    </message>
    <message>
        <source>made by hand</source>
        <translation>手动备份</translation>
    </message>
    <message>
        <source>before an upgrade</source>
        <translation>升级前备份</translation>
    </message>
    <message>
        <source>before a restore</source>
        <translation>恢复前备份</translation>
    </message>
    <message>
        <source>Restore</source>
        <translation>恢复</translation>
    </message>
    <message>
        <source>Counting the changes not yet synced…</source>
        <translation>正在统计尚未同步的修改…</translation>
    </message>
    <message>
        <source>%1 changes made since this backup have never been synced to the district: restoring it loses them. To keep them, cancel and sync first.</source>
        <translation>此备份之后有 %1 项修改尚未同步到区总工会：恢复此备份将丢失这些修改。如要保留，请取消并先同步。</translation>
    </message>
    <message>
        <source>Every change made since this backup has been synced: the district&apos;s copy brings them back at the next sync.</source>
        <translation>此备份之后的修改均已同步：下次同步时将从区总工会取回。</translation>
    </message>
    <message>
        <source>The changes not yet synced could not be counted (%1): changes made since this backup may be lost.</source>
        <translation>无法统计尚未同步的修改（%1）：此备份之后的修改可能会丢失。</translation>
    </message>
</context>
<context>
    <name>ReverseDialog</name>
    <message>
        <source>Reverse entry</source>
        <translation>冲正</translation>
    </message>
    <message>
        <source>Reverse entry no. %1 (%2 yuan): a reversal (冲正) of the opposite amount is added; the entry itself stays on record.</source>
        <translation>冲正第 %1 号帮扶记录（%2 元）：将新增一条金额相反的冲正记录，原记录保留不变。</translation>
    </message>
    <message>
        <source>Reason *</source>
        <translation>原因 *</translation>
    </message>
    <message>
        <source>Reverse</source>
        <translation>冲正</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>返回</translation>
    </message>
</context>
<context>
    <name>SaveDialog</name>
    <message>
        <source>Save as PDF</source>
        <translation>另存为 PDF</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Daily</source>
        <translation>每日自动</translation>
    </message>
    <message>
        <source>By hand (File menu)</source>
        <translation>手动（文件菜单）</translation>
    </message>
    <message>
        <source>Before an upgrade</source>
        <translation>升级前</translation>
    </message>
    <message>
        <source>Before a restore</source>
        <translation>恢复前</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Language of the app</source>
        <translation>界面语言</translation>
    </message>
    <message>
        <source>Your password</source>
        <translation>我的密码</translation>
    </message>
    <message>
        <source>Current password *</source>
        <translation>当前密码 *</translation>
    </message>
    <message>
        <source>New password *</source>
        <translation>新密码 *</translation>
    </message>
    <message>
        <source>New password again *</source>
        <translation>再次输入新密码 *</translation>
    </message>
    <message>
        <source>Change my password</source>
        <translation>修改我的密码</translation>
    </message>
    <message>
        <source>Database</source>
        <translation>数据库</translation>
    </message>
    <message>
        <source>Server database</source>
        <translation>服务器数据库</translation>
    </message>
    <message>
        <source>Backups (newest first):</source>
        <translation>备份（最新的在前）：</translation>
    </message>
    <message>
        <source>Users</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>Add user…</source>
        <translation>添加用户…</translation>
    </message>
    <message>
        <source>Reset password…</source>
        <translation>重置密码…</translation>
    </message>
    <message>
        <source>Activate / deactivate</source>
        <translation>启用/停用</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
    <message>
        <source>Lift the lock after repeated wrong passwords</source>
        <translation>解除因多次输错密码而设的锁定</translation>
    </message>
    <message>
        <source>Taken</source>
        <translation>备份时间</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>备份原因</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Backups are kept in %1</source>
        <translation>备份保存在 %1</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Display name</source>
        <translation>显示名称</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>已启用</translation>
    </message>
    <message>
        <source>Locked until</source>
        <translation>锁定至</translation>
    </message>
    <message>
        <source>Your password is changed: use the new one at your next login.</source>
        <translation>密码已修改：下次登录请使用新密码。</translation>
    </message>
    <message>
        <source>Reset password</source>
        <translation>重置密码</translation>
    </message>
    <message>
        <source>Choose a user in the table first.</source>
        <translation>请先在表格中选择用户。</translation>
    </message>
    <message>
        <source>You cannot deactivate yourself.</source>
        <translation>不能停用自己的账号。</translation>
    </message>
    <message>
        <source>%1 is not locked.</source>
        <translation>%1 的账号没有被锁定。</translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <source>Password strength: %1</source>
        <translation>密码强度：%1</translation>
    </message>
    <message>
        <source>Set up this station</source>
        <translation>站点初始设置</translation>
    </message>
</context>
<context>
    <name>SignDialog</name>
    <message>
        <source>Sign the report</source>
        <translation>签署报告</translation>
    </message>
    <message>
        <source>Sign the report as of %1 as %2? The figures as counted now are kept as signed, with your name and the time, and never change. A record entered later for a date up to %1 shows as a difference from what was signed.</source>
        <translation>以 %2 的身份签署截至 %1 的报告？现在统计的数字将连同您的姓名和签署时间保存为签署版本，此后不再改变。以后补录的 %1 及之前日期的记录，将显示为与签署时的差异。</translation>
    </message>
    <message>
        <source>Note (optional):</source>
        <translation>备注（可选）：</translation>
    </message>
    <message>
        <source>Sign the file off (grassroots union)</source>
        <translation>签署档案（基层工会审核意见）</translation>
    </message>
    <message>
        <source>%1 signs the grassroots union&apos;s block (基层工会意见) of %2&apos;s file as it is now. A later change to the file or its household voids this sign-off, and shows what changed.</source>
        <translation>%1 以档案当前的内容签署 %2 档案的基层工会意见。此后对档案或家庭成员的任何修改都会使本次签署作废，并显示改动了什么。</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Opinion (optional), e.g. 情况属实，同意建档</source>
        <translation>审核意见（可不填），例如：情况属实，同意建档</translation>
    </message>
    <message>
        <source>Opinion</source>
        <translation>审核意见</translation>
    </message>
    <message>
        <source>Sign</source>
        <translation>签署</translation>
    </message>
</context>
<context>
    <name>SignWeekDialog</name>
    <message>
        <source>Sign off the week&apos;s visits</source>
        <translation>签字确认本周走访</translation>
    </message>
    <message>
        <source>Sign off the %1 enterprise visits of %2 as the station head. A later change to them voids the sign-off.</source>
        <translation>以站长（站点管理员）身份签字确认%2的 %1 条企业走访记录。签字后如有修改，签字即作废。</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>审核意见</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Sign off</source>
        <translation>签字</translation>
    </message>
</context>
<context>
    <name>SignedReportsDialog</name>
    <message>
        <source>Signed reports</source>
        <translation>已签署的报告</translation>
    </message>
    <message>
        <source>As of</source>
        <translation>截至日期</translation>
    </message>
    <message>
        <source>Report of</source>
        <translation>报告范围</translation>
    </message>
    <message>
        <source>District</source>
        <translation>全区</translation>
    </message>
    <message>
        <source>Signed by</source>
        <translation>签署人</translation>
    </message>
    <message>
        <source>Signed at</source>
        <translation>签署时间</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Select a signed report to open it as it was signed.</source>
        <translation>选择一份已签署的报告，查看签署时的内容。</translation>
    </message>
    <message>
        <source>Figure</source>
        <translation>指标</translation>
    </message>
    <message>
        <source>As signed</source>
        <translation>签署时</translation>
    </message>
    <message>
        <source>Now</source>
        <translation>现在</translation>
    </message>
    <message>
        <source>Save as PDF…</source>
        <translation>另存为 PDF…</translation>
    </message>
    <message>
        <source>No report has been signed yet.</source>
        <translation>尚无已签署的报告。</translation>
    </message>
    <message>
        <source>Counting the same report now…</source>
        <translation>正在按现在的数据统计同一报告…</translation>
    </message>
    <message>
        <source>%1 as of %2, signed: %3</source>
        <translation>%1 截至 %2，已签署：%3</translation>
    </message>
    <message>
        <source>Note: %1</source>
        <translation>备注：%1</translation>
    </message>
    <message>
        <source>The stored signature does not match its figures: the record was changed after signing.</source>
        <translation>保存的签署与其数字不符：该记录在签署后被改动过。</translation>
    </message>
    <message>
        <source>When signed: %1</source>
        <translation>签署时：%1</translation>
    </message>
    <message>
        <source>work-summary</source>
        <translation>工作报表</translation>
    </message>
    <message>
        <source>signed</source>
        <translation>已签署</translation>
    </message>
    <message>
        <source>Signed report</source>
        <translation>已签署的报告</translation>
    </message>
    <message>
        <source>Could not write the PDF: %1</source>
        <translation>无法写入 PDF：%1</translation>
    </message>
    <message>
        <source>Written: %1</source>
        <translation>已写入：%1</translation>
    </message>
</context>
<context>
    <name>StationVisitsPage</name>
    <message>
        <source>Year</source>
        <translation>年度</translation>
    </message>
    <message>
        <source>Station</source>
        <translation>社区工联会</translation>
    </message>
    <message>
        <source>All stations</source>
        <translation>全部社区工联会</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>调研日期</translation>
    </message>
    <message>
        <source>Key station</source>
        <translation>重点推进</translation>
    </message>
    <message>
        <source>Visitors</source>
        <translation>调研人员</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>调研情况</translation>
    </message>
    <message>
        <source>Follow-up due</source>
        <translation>跟进期限</translation>
    </message>
    <message>
        <source>New visit</source>
        <translation>新登记</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>修改…</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>Visit date *</source>
        <translation>调研日期 *</translation>
    </message>
    <message>
        <source>YYYY-MM-DD</source>
        <translation>年-月-日</translation>
    </message>
    <message>
        <source>Station *</source>
        <translation>社区工联会 *</translation>
    </message>
    <message>
        <source>Visitors *</source>
        <translation>调研人员 *</translation>
    </message>
    <message>
        <source>Actions</source>
        <translation>处理措施</translation>
    </message>
    <message>
        <source>Save visit</source>
        <translation>保存调研记录</translation>
    </message>
    <message>
        <source>Cancel the correction</source>
        <translation>放弃修改</translation>
    </message>
    <message>
        <source>Key stations visited in %1: %2 of %3</source>
        <translation>%1 年已走访重点推进社区工联会：%2 家（共 %3 家）</translation>
    </message>
    <message>
        <source>key station</source>
        <translation>重点推进</translation>
    </message>
    <message>
        <source>Choose a station</source>
        <translation>请选择社区工联会</translation>
    </message>
    <message>
        <source>Record a station visit</source>
        <translation>登记站点调研</translation>
    </message>
    <message>
        <source>Correct the visit of %1 to %2</source>
        <translation>修改 %1 对 %2 的调研记录</translation>
    </message>
    <message>
        <source>Select a visit first.</source>
        <translation>请先选择一条调研记录。</translation>
    </message>
    <message>
        <source>Correction saved.</source>
        <translation>修改已保存。</translation>
    </message>
    <message>
        <source>Visit recorded.</source>
        <translation>调研记录已保存。</translation>
    </message>
    <message>
        <source>the visit of %1 to %2 (%3)</source>
        <translation>%1 对 %2 的调研（%3）</translation>
    </message>
    <message>
        <source>Delete a visit</source>
        <translation>删除调研记录</translation>
    </message>
    <message>
        <source>Delete %1? It no longer counts in any figure.</source>
        <translation>删除%1？删除后不再计入任何统计数字。</translation>
    </message>
    <message>
        <source>Deleted %1.</source>
        <translation>已删除%1。</translation>
    </message>
</context>
<context>
    <name>StationsPage</name>
    <message>
        <source>not enrolled</source>
        <translation>未注册</translation>
    </message>
    <message>
        <source>code issued</source>
        <translation>已发注册码</translation>
    </message>
    <message>
        <source>enrolled</source>
        <translation>已注册</translation>
    </message>
    <message>
        <source>syncs by file</source>
        <translation>文件同步</translation>
    </message>
    <message>
        <source>enrolled, new code issued</source>
        <translation>已注册，已发新注册码</translation>
    </message>
    <message>
        <source>revoked</source>
        <translation>已撤销</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>编码</translation>
    </message>
    <message>
        <source>Station</source>
        <translation>站点</translation>
    </message>
    <message>
        <source>Street</source>
        <translation>街道</translation>
    </message>
    <message>
        <source>Key station</source>
        <translation>重点推进</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>Enrollment</source>
        <translation>注册状态</translation>
    </message>
    <message>
        <source>Last sync</source>
        <translation>最近同步</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <source>Open conflicts</source>
        <translation>未处理冲突</translation>
    </message>
    <message>
        <source>code expired</source>
        <translation>注册码已过期</translation>
    </message>
    <message>
        <source>Issue an enrollment code…</source>
        <translation>发放注册码…</translation>
    </message>
    <message>
        <source>Revoke…</source>
        <translation>撤销…</translation>
    </message>
    <message>
        <source>Read a station&apos;s file…</source>
        <translation>读取站点的同步文件…</translation>
    </message>
    <message>
        <source>Write a file for the selected station…</source>
        <translation>为所选站点生成同步文件…</translation>
    </message>
    <message>
        <source>Code *</source>
        <translation>编码 *</translation>
    </message>
    <message>
        <source>e.g. KY01</source>
        <translation>例如 KY01</translation>
    </message>
    <message>
        <source>Name *</source>
        <translation>名称 *</translation>
    </message>
    <message>
        <source>e.g. 葵涌社区工联会</source>
        <translation>例如 葵涌社区工联会</translation>
    </message>
    <message>
        <source>Street office (办事处)</source>
        <translation>所属办事处</translation>
    </message>
    <message>
        <source>Key station (重点推进)</source>
        <translation>重点推进</translation>
    </message>
    <message>
        <source>counted among the key stations</source>
        <translation>列为重点推进社区工联会</translation>
    </message>
    <message>
        <source>Save station</source>
        <translation>保存站点</translation>
    </message>
    <message>
        <source>New station</source>
        <translation>新建站点</translation>
    </message>
    <message>
        <source>Edit the selected station</source>
        <translation>修改所选站点</translation>
    </message>
    <message>
        <source>Change station %1</source>
        <translation>修改站点 %1</translation>
    </message>
    <message>
        <source>Station %1 created.</source>
        <translation>站点 %1 已建立。</translation>
    </message>
    <message>
        <source>Station %1 changed: the stations pull it at their next sync.</source>
        <translation>站点 %1 已修改：各站点下次同步时获取。</translation>
    </message>
    <message>
        <source>Enrollment code for %1 (once; it replaces earlier codes):

%2

File sync key (for a station without a network):

%3

Give them to the station in person or by a safe channel.</source>
        <translation>%1 的注册码（只能使用一次，并取代之前的注册码）：

%2

文件同步密钥（供没有网络的站点使用）：

%3

请当面或通过安全渠道交给站点。</translation>
    </message>
    <message>
        <source>A new enrollment code was issued for %1.</source>
        <translation>已为 %1 发放新的注册码。</translation>
    </message>
    <message>
        <source>Enrollment code</source>
        <translation>注册码</translation>
    </message>
    <message>
        <source>Revoke</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>Revoke %1&apos;s access? Its syncs and files are refused until it is given a new enrollment code.</source>
        <translation>撤销 %1 的访问权限？在发放新的注册码之前，区总工会将拒绝它的同步和同步文件。</translation>
    </message>
    <message>
        <source>%1&apos;s access is revoked.</source>
        <translation>%1 的访问权限已撤销。</translation>
    </message>
    <message>
        <source>%1 was never enrolled: nothing to revoke.</source>
        <translation>%1 从未注册，无需撤销。</translation>
    </message>
    <message>
        <source>Read a station&apos;s file</source>
        <translation>读取站点的同步文件</translation>
    </message>
    <message>
        <source>Sync file (*.bundle)</source>
        <translation>同步文件 (*.bundle)</translation>
    </message>
    <message>
        <source>%1 rows refused (the station&apos;s file back tells it why):</source>
        <translation>%1 条被拒绝（回传给站点的文件会说明原因）：</translation>
    </message>
    <message>
        <source>Reading the station&apos;s file…</source>
        <translation>正在读取站点的同步文件…</translation>
    </message>
    <message>
        <source>Select a station first.</source>
        <translation>请先选择一个站点。</translation>
    </message>
    <message>
        <source>%1 read: %2 rows applied from %3 batches (%4 batches had been read before). The station is selected: write its file back so that it knows.</source>
        <translation>已读取 %1：%3 批中共导入 %2 条（其中 %4 批此前已读取过）。已选中该站点：请为它生成回传文件，让站点知道已收到。</translation>
    </message>
    <message>
        <source>Write a file for the station</source>
        <translation>为站点生成同步文件</translation>
    </message>
    <message>
        <source>%1 changes and the acknowledgements written to %2, for station %3.</source>
        <translation>已将 %1 条更改及收到确认写入 %2，供站点 %3 使用。</translation>
    </message>
    <message>
        <source>Writing the station&apos;s file…</source>
        <translation>正在生成站点的同步文件…</translation>
    </message>
    <message>
        <source>%1 stations, %2 have synced, %3 open conflicts</source>
        <translation>共 %1 个站点，%2 个已同步，%3 条未处理冲突</translation>
    </message>
</context>
<context>
    <name>StatusDialog</name>
    <message>
        <source>Change status</source>
        <translation>变更状态</translation>
    </message>
    <message>
        <source>New status</source>
        <translation>新状态</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>变更日期</translation>
    </message>
</context>
<context>
    <name>SyncPage</name>
    <message>
        <source>District address</source>
        <translation>区总工会服务器地址</translation>
    </message>
    <message>
        <source>Enrollment code (first time only)</source>
        <translation>注册码（仅首次需要）</translation>
    </message>
    <message>
        <source>District certificate fingerprint</source>
        <translation>区总工会证书指纹</translation>
    </message>
    <message>
        <source>SHA-256, as the district printed it (when its certificate is its own)</source>
        <translation>SHA-256，按区总工会打印的填写（区总工会使用自签证书时）</translation>
    </message>
    <message>
        <source>District CA file…</source>
        <translation>区总工会证书（CA）文件…</translation>
    </message>
    <message>
        <source>District CA</source>
        <translation>区总工会证书（CA）</translation>
    </message>
    <message>
        <source>Allow plain HTTP to the district on the local network (not encrypted)</source>
        <translation>允许在局域网内以明文 HTTP 连接区总工会（不加密）</translation>
    </message>
    <message>
        <source>Warning: this station syncs without encryption (plain HTTP). Anyone on the local network can read its members&apos; data and its access token. Ask the district for an https:// address, and untick the plain HTTP setting.</source>
        <translation>警告：本站点正在以不加密的明文 HTTP 同步，局域网内任何人都能读取会员数据和本站点的访问凭据。请向区总工会索取 https:// 地址，并取消勾选明文 HTTP 设置。</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <source>Conflicts to review</source>
        <translation>待核对的冲突</translation>
    </message>
    <message>
        <source>Without a network: sync by file</source>
        <translation>没有网络时：用文件同步</translation>
    </message>
    <message>
        <source>Write this station&apos;s changes to a file and take it to the district (USB stick, e-mail); read the file the district gives back here. The changes stay pending until the district&apos;s file is read.</source>
        <translation>把本站点的更改写入文件，交给区总工会（U 盘或电子邮件）；区总工会回传的文件在这里读取。读取回传文件之前，这些更改仍算作尚未同步。</translation>
    </message>
    <message>
        <source>File sync key (first time only)</source>
        <translation>文件同步密钥（仅首次需要）</translation>
    </message>
    <message>
        <source>the 64-character key the district printed</source>
        <translation>区总工会打印的 64 位密钥</translation>
    </message>
    <message>
        <source>Write a file for the district…</source>
        <translation>生成交给区总工会的文件…</translation>
    </message>
    <message>
        <source>Read the district&apos;s file…</source>
        <translation>读取区总工会回传的文件…</translation>
    </message>
    <message>
        <source>a CA file chosen; kept at the next sync</source>
        <translation>已选择证书文件，下次同步时保存</translation>
    </message>
    <message>
        <source>the district&apos;s CA is kept</source>
        <translation>已保存区总工会证书</translation>
    </message>
    <message>
        <source>none (the system&apos;s certificate authorities)</source>
        <translation>未设置（使用系统信任的证书机构）</translation>
    </message>
    <message>
        <source>enrolled; type a code only when the district gives you a new one</source>
        <translation>已注册；只有区总工会给了新的注册码时才需输入</translation>
    </message>
    <message>
        <source>already given; type it only to replace it</source>
        <translation>已输入；仅在需要更换时重新输入</translation>
    </message>
    <message>
        <source>Last sync: %1</source>
        <translation>上次同步：%1</translation>
    </message>
    <message>
        <source>Never synced yet.</source>
        <translation>尚未同步过。</translation>
    </message>
    <message>
        <source>%1 changes not yet sent</source>
        <translation>%1 条更改尚未同步</translation>
    </message>
    <message>
        <source>%1 conflicts to review</source>
        <translation>%1 条冲突待核对</translation>
    </message>
    <message>
        <source>This station syncs by file (below). To sync over the network, enter the district address and an enrollment code.</source>
        <translation>本站点用文件同步（见下方）。如需联网同步，请输入区总工会服务器地址和注册码。</translation>
    </message>
    <message>
        <source>Not enrolled: enter the district address and the enrollment code the district gave you.</source>
        <translation>尚未注册：请输入区总工会服务器地址和区总工会提供的注册码。</translation>
    </message>
    <message>
        <source>Last round: sent %1, received %2.</source>
        <translation>上次同步：发送 %1 条，接收 %2 条。</translation>
    </message>
    <message>
        <source>%1 changes to enterprises of other stations went to the district for review; until it accepts them, the district&apos;s version stands.</source>
        <translation>对其他站点企业的 %1 处修改已提交区总工会审核；审核通过前，以区总工会的版本为准。</translation>
    </message>
    <message>
        <source>Warning: with plain HTTP the station&apos;s data and its access token travel unencrypted on the local network, where anyone on it can read them. Allow it only on a network you trust, and only until the district gives an https:// address.</source>
        <translation>警告：使用明文 HTTP 时，本站的数据和访问令牌在局域网内以未加密方式传输，局域网内任何人都能读取。请只在可信任的网络中允许，并只用到区总工会提供 https:// 地址为止。</translation>
    </message>
    <message>
        <source>The district&apos;s CA file</source>
        <translation>区总工会证书（CA）文件</translation>
    </message>
    <message>
        <source>Certificates (*.pem *.crt *.cer);;All files (*)</source>
        <translation>证书 (*.pem *.crt *.cer);;所有文件 (*)</translation>
    </message>
    <message>
        <source>%1 changes the district refused are held (Sync now tries them again):</source>
        <translation>%1 条更改被区总工会拒绝，暂缓发送（点“立即同步”会再试）：</translation>
    </message>
    <message>
        <source>Sending this station&apos;s changes: %1 of %2</source>
        <translation>正在发送本站点的更改：已发送 %1 条，共 %2 条</translation>
    </message>
    <message>
        <source>Receiving the district&apos;s changes: %1</source>
        <translation>正在接收区总工会的更改：已收到 %1 条</translation>
    </message>
    <message>
        <source>Enter the district&apos;s address first (District address, above: as the district office gave it, like https://district:8765), then press Sync now.</source>
        <translation>请先填写区总工会服务器地址（上方“区总工会服务器地址”，按区总工会提供的填写，形如 https://district:8765），再点“立即同步”。</translation>
    </message>
    <message>
        <source>Enter the enrollment code the district gave this station (only the first time), then press Sync now.</source>
        <translation>请填写区总工会给本站点的注册码（只需第一次），再点“立即同步”。</translation>
    </message>
    <message>
        <source>Syncing with the district…</source>
        <translation>正在与区总工会同步…</translation>
    </message>
    <message>
        <source>Enter the file sync key the district gave this station first.</source>
        <translation>请先输入区总工会给本站点的文件同步密钥。</translation>
    </message>
    <message>
        <source>Write a file for the district</source>
        <translation>生成交给区总工会的文件</translation>
    </message>
    <message>
        <source>Sync file (*.bundle)</source>
        <translation>同步文件 (*.bundle)</translation>
    </message>
    <message>
        <source>%1 changes written to %2. Take the file to the district; they stay pending until the district&apos;s file is read here.</source>
        <translation>已将 %1 条更改写入 %2。请把文件交给区总工会；读取区总工会回传的文件之前，这些更改仍算作尚未同步。</translation>
    </message>
    <message>
        <source>Writing the sync file…</source>
        <translation>正在生成同步文件…</translation>
    </message>
    <message>
        <source>Read the district&apos;s file</source>
        <translation>读取区总工会回传的文件</translation>
    </message>
    <message>
        <source>The district&apos;s file is read: %1 changes received, %2 conflicts to review.</source>
        <translation>已读取区总工会回传的文件：收到 %1 条更改，%2 条冲突待核对。</translation>
    </message>
    <message>
        <source>Reading the district&apos;s file…</source>
        <translation>正在读取区总工会回传的文件…</translation>
    </message>
</context>
<context>
    <name>TargetsPage</name>
    <message>
        <source>Year</source>
        <translation>年度</translation>
    </message>
    <message>
        <source>Scope</source>
        <translation>范围</translation>
    </message>
    <message>
        <source>District</source>
        <translation>全区</translation>
    </message>
    <message>
        <source>Figure</source>
        <translation>指标</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>目标值</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>完成数</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成率</translation>
    </message>
    <message>
        <source>Set a target</source>
        <translation>设定目标</translation>
    </message>
    <message>
        <source>Save target</source>
        <translation>保存目标</translation>
    </message>
    <message>
        <source>in yuan, like 1,000 or 1,000.50</source>
        <translation>以元为单位，如 1,000 或 1,000.50</translation>
    </message>
    <message>
        <source>a whole number</source>
        <translation>整数</translation>
    </message>
    <message>
        <source>Target (yuan)</source>
        <translation>目标（元）</translation>
    </message>
    <message>
        <source>Saved: the stations pull it at their next sync.</source>
        <translation>已保存：各站点下次同步时取回。</translation>
    </message>
</context>
<context>
    <name>TodoDialog</name>
    <message>
        <source>Settle a to-do item</source>
        <translation>处理待办事项</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>处理方式</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>YYYY-MM-DD</source>
        <translation>年-月-日</translation>
    </message>
    <message>
        <source>What came of it</source>
        <translation>处理结果</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Visit date *</source>
        <translation>走访日期 *</translation>
    </message>
    <message>
        <source>Visitors *</source>
        <translation>走访人员 *</translation>
    </message>
    <message>
        <source>Operating status</source>
        <translation>经营状况</translation>
    </message>
    <message>
        <source>Abnormal findings</source>
        <translation>异常情况</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>走访发现</translation>
    </message>
    <message>
        <source>Follow-up due</source>
        <translation>跟进期限</translation>
    </message>
    <message>
        <source>Why the household no longer needs help *</source>
        <translation>脱困原因 *</translation>
    </message>
    <message>
        <source>Settled on</source>
        <translation>处理日期</translation>
    </message>
    <message>
        <source>Reviewed on</source>
        <translation>年审日期</translation>
    </message>
    <message>
        <source>Closed on</source>
        <translation>脱困日期</translation>
    </message>
    <message>
        <source>The return visit goes into the visit diary and closes the follow-up on its date.</source>
        <translation>回访记入走访日志，并在回访当天关闭这项跟进。</translation>
    </message>
    <message>
        <source>The visit goes into the visit diary and counts for this week&apos;s quota.</source>
        <translation>走访记入走访日志，计入本周走访任务。</translation>
    </message>
    <message>
        <source>The record is sent again at the next sync (the district fixed what refused it).</source>
        <translation>下次同步时重新发送这条记录（区总工会已处理了拒收的原因）。</translation>
    </message>
    <message>
        <source>The district never accepted this record: it is deleted here and never sent.</source>
        <translation>区总工会从未接收这条记录：将在本站删除，不再发送。</translation>
    </message>
    <message>
        <source>The file is closed: the household no longer needs help.</source>
        <translation>档案将办理脱困：该家庭已不再需要帮扶。</translation>
    </message>
</context>
<context>
    <name>UserDialog</name>
    <message>
        <source>Add user</source>
        <translation>添加用户</translation>
    </message>
    <message>
        <source>User name *</source>
        <translation>用户名 *</translation>
    </message>
    <message>
        <source>Display name</source>
        <translation>显示名称</translation>
    </message>
    <message>
        <source>Role *</source>
        <translation>角色 *</translation>
    </message>
    <message>
        <source>Password *</source>
        <translation>密码 *</translation>
    </message>
</context>
<context>
    <name>VisitDialog</name>
    <message>
        <source>Correct a visit</source>
        <translation>修改走访记录</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Save the correction</source>
        <translation>保存修改</translation>
    </message>
    <message>
        <source>The correction is not saved. Save it?</source>
        <translation>修改尚未保存，是否保存？</translation>
    </message>
</context>
<context>
    <name>VisitForm</name>
    <message>
        <source>Enterprise *</source>
        <translation>企业 *</translation>
    </message>
    <message>
        <source>Visit date *</source>
        <translation>走访日期 *</translation>
    </message>
    <message>
        <source>YYYY-MM-DD</source>
        <translation>年-月-日</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>走访类型</translation>
    </message>
    <message>
        <source>Visitors *</source>
        <translation>走访人员 *</translation>
    </message>
    <message>
        <source>Workers served</source>
        <translation>服务职工人数</translation>
    </message>
    <message>
        <source>Operating status</source>
        <translation>经营状况</translation>
    </message>
    <message>
        <source>Abnormal findings</source>
        <translation>异常情况</translation>
    </message>
    <message>
        <source>Workers involved</source>
        <translation>涉及职工人数</translation>
    </message>
    <message>
        <source>A labour-dispute visit: the workers involved are the workers served. Leave “Workers served” empty and the workers involved are counted as served.</source>
        <translation>劳资纠纷处置走访：涉及职工人数即服务职工人数。“服务职工人数”不填时，按涉及职工人数计入服务职工。</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>走访情况</translation>
    </message>
    <message>
        <source>Actions</source>
        <translation>处理措施</translation>
    </message>
    <message>
        <source>Follow-up due</source>
        <translation>跟进期限</translation>
    </message>
    <message>
        <source>= workers involved, when left empty</source>
        <translation>不填则等于涉及职工人数</translation>
    </message>
</context>
<context>
    <name>VisitsPage</name>
    <message>
        <source>◀ Previous week</source>
        <translation>◀ 上一周</translation>
    </message>
    <message>
        <source>Next week ▶</source>
        <translation>下一周 ▶</translation>
    </message>
    <message>
        <source>This week</source>
        <translation>本周</translation>
    </message>
    <message>
        <source>Sign off the week…</source>
        <translation>签字确认本周走访…</translation>
    </message>
    <message>
        <source>Weekly visit quota</source>
        <translation>每周走访任务</translation>
    </message>
    <message>
        <source>Watch-listed enterprises not visited in the week:</source>
        <translation>本周未走访的重点监管企业：</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>走访日期</translation>
    </message>
    <message>
        <source>Enterprise</source>
        <translation>企业</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>走访类型</translation>
    </message>
    <message>
        <source>Visitors</source>
        <translation>走访人员</translation>
    </message>
    <message>
        <source>Workers served</source>
        <translation>服务职工数</translation>
    </message>
    <message>
        <source>Operating status</source>
        <translation>经营状况</translation>
    </message>
    <message>
        <source>Findings flags</source>
        <translation>异常情况</translation>
    </message>
    <message>
        <source>Follow-up</source>
        <translation>跟进</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>修改…</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>Close follow-up…</source>
        <translation>关闭跟进…</translation>
    </message>
    <message>
        <source>Add visit</source>
        <translation>新增走访</translation>
    </message>
    <message>
        <source>Save visit</source>
        <translation>保存走访记录</translation>
    </message>
    <message>
        <source>closed %1</source>
        <translation>已于 %1 关闭</translation>
    </message>
    <message>
        <source>open</source>
        <translation>待跟进</translation>
    </message>
    <message>
        <source>%1, overdue</source>
        <translation>%1，已逾期</translation>
    </message>
    <message>
        <source>%1, open</source>
        <translation>%1，待跟进</translation>
    </message>
    <message>
        <source>Enterprise visits: %1 of %2 required</source>
        <translation>企业走访：已走访 %1 家，要求 %2 家</translation>
    </message>
    <message>
        <source>Shortfall: %1</source>
        <translation>还差 %1 家</translation>
    </message>
    <message>
        <source>Quota met for this week.</source>
        <translation>本周走访任务已完成。</translation>
    </message>
    <message>
        <source>Quota not met yet.</source>
        <translation>走访任务尚未完成。</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>the visit of %1 to %2</source>
        <translation>%1 对“%2”的走访</translation>
    </message>
    <message>
        <source>Select a visit first.</source>
        <translation>请先选择一条走访记录。</translation>
    </message>
    <message>
        <source>The follow-up was closed on %1.</source>
        <translation>跟进已于 %1 关闭。</translation>
    </message>
    <message>
        <source>This visit has no follow-up to close.</source>
        <translation>这条走访没有需要关闭的跟进。</translation>
    </message>
    <message>
        <source>%1 signed this week off on %2: saving this change voids the sign-off.</source>
        <translation>本周走访已由%1于 %2 签字：保存这项修改会使签字作废。</translation>
    </message>
    <message>
        <source>The visit is corrected.</source>
        <translation>走访记录已修改。</translation>
    </message>
    <message>
        <source>Delete %1? It no longer counts in the quota or in any figure.</source>
        <translation>删除%1？删除后不再计入走访任务和任何统计数字。</translation>
    </message>
    <message>
        <source>Delete a visit</source>
        <translation>删除走访记录</translation>
    </message>
    <message>
        <source>Deleted %1.</source>
        <translation>已删除%1。</translation>
    </message>
    <message>
        <source>The follow-up is closed (%1).</source>
        <translation>跟进已关闭（%1）。</translation>
    </message>
    <message>
        <source>This week&apos;s visits are not signed off.</source>
        <translation>本周走访尚未签字。</translation>
    </message>
    <message>
        <source>Changed after sign-off: %1 signed off on %2; the sign-off was voided on %3 by %4 (%5).</source>
        <translation>签字后有修改：%1 于 %2 签字，该签字已于 %3 由%4作废（%5）。</translation>
    </message>
    <message>
        <source>Changed after sign-off: %1 signed off on %2; since then: %3</source>
        <translation>签字后有修改：%1 于 %2 签字，此后：%3</translation>
    </message>
    <message>
        <source>Signed off: %1, %2</source>
        <translation>已签字 %1 %2</translation>
    </message>
    <message>
        <source>Sign off again…</source>
        <translation>重新签字…</translation>
    </message>
    <message>
        <source>Signed off, and nothing changed since.</source>
        <translation>已签字，签字后没有修改。</translation>
    </message>
    <message>
        <source>This week has not begun.</source>
        <translation>本周还没有开始。</translation>
    </message>
    <message>
        <source>The week&apos;s visits are signed off.</source>
        <translation>本周走访已签字。</translation>
    </message>
    <message>
        <source>Visit saved.</source>
        <translation>走访记录已保存。</translation>
    </message>
    <message>
        <source>Another visit that day?</source>
        <translation>当天再次走访？</translation>
    </message>
    <message>
        <source>Record another visit</source>
        <translation>再记一次走访</translation>
    </message>
    <message>
        <source>Do not record it</source>
        <translation>不记录</translation>
    </message>
    <message>
        <source>Watch list</source>
        <translation>重点监管名单</translation>
    </message>
    <message>
        <source>The visit to %1 found abnormal operations (%2). Put the enterprise on the labour-risk watch list?</source>
        <translation>走访“%1”时发现经营异常（%2）。是否将该企业列入劳资隐患重点监管名单？</translation>
    </message>
    <message>
        <source>Visit saved; the enterprise is now on the watch list.</source>
        <translation>走访记录已保存，该企业已列入重点监管名单。</translation>
    </message>
    <message>
        <source>%1 week %2 (%3 – %4)</source>
        <translation>%1 第%2周（%3 – %4）</translation>
    </message>
</context>
<context>
    <name>WarningsPage</name>
    <message>
        <source>abnormal finding, follow-up open</source>
        <translation>发现异常，尚未闭环</translation>
    </message>
    <message>
        <source>watch-listed, not visited this week</source>
        <translation>重点监管企业，本周未走访</translation>
    </message>
    <message>
        <source>Enterprise</source>
        <translation>企业</translation>
    </message>
    <message>
        <source>Warning</source>
        <translation>预警</translation>
    </message>
    <message>
        <source>Since</source>
        <translation>起始日期</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>发现问题</translation>
    </message>
    <message>
        <source>%1 early warnings</source>
        <translation>共 %1 条预警</translation>
    </message>
</context>
<context>
    <name>WithdrawDialog</name>
    <message>
        <source>Withdraw the upper union&apos;s sign-off</source>
        <translation>撤回上级工会签署</translation>
    </message>
    <message>
        <source>Withdraw the sign-off %1? It stays on the file, marked withdrawn with your name, the time and the reason.</source>
        <translation>撤回签署（%1）？签署记录仍保留在档案中，并注明撤回人、时间和原因。</translation>
    </message>
    <message>
        <source>Reason *</source>
        <translation>原因 *</translation>
    </message>
    <message>
        <source>Withdraw</source>
        <translation>撤回</translation>
    </message>
</context>
<context>
    <name>_AdminPage</name>
    <message>
        <source>The first administrator</source>
        <translation>首位管理员</translation>
    </message>
    <message>
        <source>This person can add the other users later.</source>
        <translation>该管理员之后可以添加其他用户。</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Password again</source>
        <translation>再次输入密码</translation>
    </message>
    <message>
        <source>At least 8 characters; not the user name, not one character repeated, not a run like 12345678, not a common password. Letters, digits and signs mixed make it strong.</source>
        <translation>至少 8 个字符；不能与用户名相同，不能是同一个字符重复，不能是 12345678 这样的连续字符，也不能是常见密码。字母、数字和符号混合使用更安全。</translation>
    </message>
</context>
<context>
    <name>_DistrictPage</name>
    <message>
        <source>The district (optional)</source>
        <translation>区总工会（可选）</translation>
    </message>
    <message>
        <source>If the district office gave you an address and an enrollment code, enter them; otherwise leave this empty and set it up later.</source>
        <translation>如区总工会已提供服务器地址和注册码，请在此填写；否则留空，以后再设置。</translation>
    </message>
    <message>
        <source>District address</source>
        <translation>区总工会服务器地址</translation>
    </message>
    <message>
        <source>Enrollment code</source>
        <translation>注册码</translation>
    </message>
</context>
<context>
    <name>_StationPage</name>
    <message>
        <source>Your station</source>
        <translation>本站点</translation>
    </message>
    <message>
        <source>The station code is given by the district office.</source>
        <translation>站点编码由区总工会分配。</translation>
    </message>
    <message>
        <source>Station code</source>
        <translation>站点编码</translation>
    </message>
    <message>
        <source>Station name</source>
        <translation>站点名称</translation>
    </message>
    <message>
        <source>Street office</source>
        <translation>所属街道</translation>
    </message>
</context>
</TS>
