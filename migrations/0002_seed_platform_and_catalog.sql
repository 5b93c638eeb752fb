-- Reference data every installation needs (not demo data): the credit office, the record catalog of SPEC §3
-- with its NDRC Order 36 publicity defaults, and the key professional group taxonomy.
INSERT INTO organizations (code, name, kind, status) VALUES ('PLATFORM', 'Public credit information platform (credit office)', 'PLATFORM', 'ACTIVE')
ON CONFLICT (code) DO NOTHING;
--> statement-breakpoint
INSERT INTO catalog_types (code, name, name_zh, category, nature, loosest_disclosure, publicity_rule, general_public_period, serious_public_period, default_public_period, max_public_period, public_for_individuals, repairable, requires_group, legal_basis) VALUES
('registration',             'Registration',                    '登记注册信息',     'REGISTRATION',          'BASIC',    'PUBLIC', 'BY_VALIDITY', NULL, NULL, NULL, NULL, false, false, false, 'National basic catalog of public credit information (2021)'),
('dishonest-debtor',         'Dishonest judgment debtor',       '失信被执行人',     'JUDICIAL',              'NEGATIVE', 'PUBLIC', 'BY_VALIDITY', NULL, NULL, '2 years', NULL, true,  false, false, 'SPC Provisions on publishing the list of dishonest judgment debtors'),
('judgment',                 'Court judgment',                  '裁判文书',         'JUDICIAL',              'NEGATIVE', 'SHARED', 'BY_VALIDITY', NULL, NULL, NULL, NULL, false, false, false, 'National basic catalog of public credit information (2021)'),
('license',                  'Administrative licence',          '行政许可',         'ADMINISTRATIVE',        'BASIC',    'PUBLIC', 'BY_VALIDITY', NULL, NULL, NULL, NULL, false, false, false, 'Administrative Licensing Law; "double publicity" rules'),
('penalty',                  'Administrative penalty',          '行政处罚',         'ADMINISTRATIVE',        'NEGATIVE', 'PUBLIC', 'BY_SEVERITY', '1 year', '3 years', NULL, NULL, false, true, false, 'NDRC Order 36 (2023) art. 10'),
('qualification',            'Professional qualification',      '职业资格',         'PROFESSIONAL',          'BASIC',    'PUBLIC', 'BY_VALIDITY', NULL, NULL, NULL, NULL, true,  false, true,  'Key professional groups credit records'),
('abnormal-operation',       'Abnormal operation list',         '经营异常名录',     'ABNORMAL_OPERATION',    'NEGATIVE', 'PUBLIC', 'BY_VALIDITY', NULL, NULL, NULL, NULL, false, true,  false, 'Interim Measures for the Administration of the Abnormal Operation List'),
('serious-dishonesty-list',  'Serious dishonesty list',         '严重失信主体名单', 'SERIOUS_DISHONESTY',    'NEGATIVE', 'PUBLIC', 'BY_VALIDITY', NULL, NULL, '3 years', NULL, true,  true,  false, 'Measures for the list of seriously dishonest entities'),
('contract-performance',     'Contract performance',            '合同履约信息',     'CONTRACT',              'BASIC',    'SHARED', 'BY_VALIDITY', NULL, NULL, NULL, NULL, false, false, false, 'National basic catalog of public credit information (2021)'),
('commitment',               'Credit commitment',               '信用承诺',         'COMMITMENT',            'BASIC',    'PUBLIC', 'BY_VALIDITY', NULL, NULL, NULL, NULL, false, false, false, 'Credit commitment system guidance'),
('tax-rating',               'Tax credit rating',               '纳税信用等级',     'EVALUATION',            'BASIC',    'SHARED', 'BY_VALIDITY', NULL, NULL, NULL, NULL, false, false, false, 'Tax credit management measures (A B M C D)'),
('credit-grade',             'Credit grade',                    '信用评价',         'EVALUATION',            'BASIC',    'SHARED', 'BY_VALIDITY', NULL, NULL, NULL, NULL, false, false, false, 'Sector credit evaluation rules'),
('honor',                    'Honour (red list)',               '表彰荣誉',         'HONOR',                 'POSITIVE', 'PUBLIC', 'BY_VALIDITY', NULL, NULL, NULL, NULL, false, false, false, 'Trust-keeping incentive measures'),
('self-declared',            'Self-declared information',       '自主申报信息',     'SELF_DECLARED',         'BASIC',    'PUBLIC', 'BY_VALIDITY', NULL, NULL, NULL, NULL, false, false, false, 'National basic catalog of public credit information (2021)'),
('social-insurance-arrears', 'Social insurance arrears',        '社保欠缴',         'COMPLIANCE',            'NEGATIVE', 'SHARED', 'BY_VALIDITY', NULL, NULL, NULL, NULL, false, true,  false, 'Social Insurance Law'),
('tax-arrears',              'Tax arrears',                     '欠税信息',         'COMPLIANCE',            'NEGATIVE', 'SHARED', 'BY_VALIDITY', NULL, NULL, NULL, NULL, false, true,  false, 'Tax Collection Administration Law'),
('ip-infringement',          'Intellectual property infringement', '知识产权侵权',  'INTELLECTUAL_PROPERTY', 'NEGATIVE', 'PUBLIC', 'BY_VALIDITY', NULL, NULL, NULL, '3 years', false, true, false, 'IP dishonesty management rules')
ON CONFLICT (code) DO NOTHING;
--> statement-breakpoint
INSERT INTO professional_groups (code, name, name_zh) VALUES
('CIVIL_SERVANT', 'Civil servant', '公务员'),
('PUBLIC_INSTITUTION_STAFF', 'Public-institution staff', '事业单位工作人员'),
('LEGAL_REPRESENTATIVE', 'Enterprise legal representative', '企业法定代表人'),
('LAWYER', 'Lawyer', '律师'),
('NOTARY', 'Notary', '公证员'),
('ACCOUNTANT', 'Accountant', '会计从业人员'),
('TAX_AGENT', 'Certified tax agent', '税务师'),
('AUDITOR', 'Auditor', '审计师'),
('APPRAISER', 'Appraiser', '评估师'),
('STATISTICIAN', 'Statistician', '统计从业人员'),
('CERTIFICATION_INSPECTION', 'Certification and inspection staff', '认证检测从业人员'),
('SECURITIES_FUTURES', 'Securities and futures staff', '证券期货从业人员'),
('LISTED_COMPANY_EXECUTIVE', 'Listed-company executive', '上市公司高管'),
('INSURANCE_BROKER', 'Insurance broker', '保险经纪人'),
('JOURNALIST', 'Journalist', '新闻媒体从业人员'),
('RESEARCHER', 'Researcher', '科研人员'),
('MEDICAL_WORKER', 'Medical worker', '医务人员'),
('TEACHER', 'Teacher', '教师'),
('PROJECT_MANAGER', 'Project manager', '工程项目负责人'),
('TOUR_GUIDE', 'Tour guide', '导游'),
('PATENT_AGENT', 'Patent agent', '专利代理人'),
('VETERINARIAN', 'Veterinarian', '执业兽医'),
('FIRE_ENGINEER', 'Fire engineer', '注册消防工程师')
ON CONFLICT (code) DO NOTHING;
